"""Messages in a chosen language outside a web request (an email), read from the site's compiled catalogs."""

import gettext
from functools import lru_cache
from pathlib import Path

from grader.locales import DEFAULT_LOCALE, offered
from grader.messages import Message
from grader.settings import PROJECT_ROOT

CATALOGS = PROJECT_ROOT / "web" / "translations"
"""The catalogs `make catalogs` compiles: the site's and the grader's texts are translated in one place."""


def in_language(message: Message, code: str | None) -> str:
    """The message in the language of code; English for None, a language not offered, or a text not translated yet."""
    translations = _catalog(CATALOGS, offered(code) or DEFAULT_LOCALE)
    values = {
        name: in_language(value, code) if isinstance(value, Message) else value
        for name, value in message.values.items()
    }
    try:
        if message.plural is not None and message.count is not None:
            text = translations.ngettext(message.text, message.plural, message.count)
            return text % {"num": message.count, **values}
        text = translations.gettext(message.text)
        return text % values if values else text
    except (KeyError, ValueError, TypeError):  # a translation whose placeholders do not fit: English, not nothing
        return str(message)


@lru_cache
def _catalog(directory: Path, code: str) -> gettext.NullTranslations:
    # Without compiled catalogs (`make catalogs` not run yet) the texts stay English rather than fail.
    return gettext.translation("messages", localedir=directory, languages=[code], fallback=True)
