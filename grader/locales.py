"""The languages the site speaks: English, always complete, and the translations beside it."""

LOCALES = {"en": "English", "nl": "Nederlands", "fr": "Français"}
"""Code → the language's name in itself, as the language switcher shows it."""

DEFAULT_LOCALE = "en"
"""The language of every text the grader and the exercises are written in first."""

TRANSLATED = tuple(code for code in LOCALES if code != DEFAULT_LOCALE)
"""Languages an exercise may add translations for (statement.<code>.md, title_<code>, hint_<code>)."""


def offered(code: object) -> str | None:
    """The code when the site speaks it, else None: unknown or garbage codes are never an error."""
    return code if isinstance(code, str) and code in LOCALES else None
