"""The site in the reader's language and time zone: Flask-Babel's selectors, the switcher, grader messages."""

from collections.abc import Callable
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    get_translations,
    gettext,
    lazy_gettext,
    ngettext,
    refresh,
)
from flask_login import current_user
from markupsafe import Markup, escape

from grader.grading.explanations import explain
from grader.locales import DEFAULT_LOCALE, LOCALES, offered
from grader.messages import Message, Value
from grader.models import (
    DEFAULT_TIME_ZONE,
    Exercise,
    Outcome,
    Role,
    Status,
    Submission,
    TestResult,
)
from grader.people.accounts import role_name
from grader.people.calendar import time_zone_of
from grader.people.cohorts import is_time_zone
from web.context import db_session
from web.redirects import safe_next

NOT_CODE = frozenset({"test"})
"""Values of an explanation that are words, not code: the test's description."""

SESSION_KEY = "language"
"""Where a visitor's choice of language is kept in the session."""

bp = Blueprint("i18n", __name__)
babel = Babel()


def init_app(app: Flask) -> None:
    """Let Flask-Babel pick each request's language and time zone, and give templates what the switcher needs."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    babel.init_app(app, locale_selector=choose_locale, timezone_selector=choose_time_zone)
    # As Flask-Babel installs them, but each text looked up once per request: a coach's page of sixty exercises
    # asks for the same labels hundreds of times, and each lookup walks Flask's context.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda text: _once_per_request("gettext", text, lambda: get_translations().ugettext(text)),
        ngettext=lambda singular, plural, n: _once_per_request(
            "ngettext", (singular, plural, n), lambda: get_translations().ungettext(singular, plural, n)
        ),
        newstyle=True,
        pgettext=lambda context, text: get_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: get_translations().unpgettext(context, singular, plural, n),
    )
    app.jinja_env.filters.update(say=translate, decimalformat=decimal_format, percentformat=format_percent)
    app.jinja_env.globals.update(
        title_of=title_of,
        statement_of=statement_of,
        hint_of=hint_of,
        outcome_label=outcome_label,
        notice_of=notice_of,
        announcement_of=announcement_of,
        page_to_return_to=page_to_return_to,
        role_name=role_name,
        explained=explained,
    )
    app.context_processor(lambda: {"locales": LOCALES, "current_locale": str(get_locale() or DEFAULT_LOCALE)})
    app.register_blueprint(bp)


def choose_locale() -> str:
    """API: Accept-Language if sent, else the token owner's choice. Pages: the user's, the session's, the browser's."""
    api_user = g.get("api_user")
    if api_user is not None:
        asked = request.accept_languages.best_match(LOCALES) if request.headers.get("Accept-Language") else None
        return asked or offered(api_user.language) or DEFAULT_LOCALE
    if current_user.is_authenticated and offered(current_user.language):
        return current_user.language
    return offered(session.get(SESSION_KEY)) or request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def choose_time_zone() -> str:
    """The zone of the cohort a page shows, else of the user's latest cohort, else Brussels (also for a bad value)."""
    zone = _zone_of_request()
    return zone if is_time_zone(zone) else DEFAULT_TIME_ZONE


def _zone_of_request() -> str:
    if g.get("time_zone"):
        return g.time_zone
    user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    if user is None:
        return DEFAULT_TIME_ZONE
    return time_zone_of(db_session(), user.id, coached=user.role != Role.LEARNER)


def show_in_zone(zone: str) -> None:
    """Show this request's times in the zone of the cohort on the page."""
    g.time_zone = zone
    refresh()  # Flask-Babel keeps the zone it chose first for the rest of the request


def translate(message: Message | str) -> str:
    """A grader message in the reader's language, its numbers and dates written their way."""
    if isinstance(message, str):
        return message
    values = {name: _formatted(value) for name, value in message.values.items()}
    try:
        if message.plural is not None and message.count is not None:
            return ngettext(message.text, message.plural, message.count, **values)
        return gettext(message.text, **values)
    except (KeyError, ValueError, TypeError):  # a stored message whose values no longer fit its text
        return message.text


def with_code(message: Message, plain: frozenset[str] = frozenset()) -> Markup:
    """A message as HTML, each text value (a name, a keyword) in <code> unless named in plain; all of it escaped."""
    if message.plural is not None:
        return Markup(escape(translate(message)))
    values = {
        name: (
            Markup("<code>{}</code>").format(value)
            if isinstance(value, str) and name not in plain
            else _formatted(value)
        )
        for name, value in message.values.items()
    }
    try:
        return Markup(escape(gettext(message.text))) % values
    except (KeyError, ValueError, TypeError):
        return Markup(escape(message.text))


def _formatted(value: Value) -> str | int:
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_datetime(value, "EEE d MMM, HH:mm")
    if isinstance(value, date):
        return format_date(value, "EEE d MMM")
    return value


@bp.post("/language")
def choose_language() -> ResponseReturnValue:
    """Keep the chosen language (on the profile when logged in) and go back to the page it was chosen on."""
    code = offered(request.form.get("language"))
    if code is not None:  # anything else changes nothing: the page comes back as it was
        if current_user.is_authenticated:
            current_user.language = code
            db_session().commit()
        session[SESSION_KEY] = code
    return redirect(safe_next(request.form.get("next")))


def page_to_return_to() -> str:
    """The page the switcher sends back to: this one, or for a page answering a form, the page the form was on."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def title_of(exercise: Exercise) -> str:
    """The exercise's title in the reader's language where the author translated it."""
    return _translation(exercise, "title") or exercise.title


def statement_of(exercise: Exercise) -> tuple[str, bool]:
    """The statement in the reader's language, and whether it is (False: English shown instead)."""
    translated = _translation(exercise, "statement")
    if translated:
        return translated, True
    return exercise.statement, str(get_locale()) == DEFAULT_LOCALE


def hint_of(result: TestResult, exercise: Exercise) -> str:
    """A failed test's hint in the reader's language, from the exercise's manifest when it still has that test."""
    code = str(get_locale())
    for entry in exercise.manifest:
        if entry.get("name") == result.name and entry.get("hint") == result.hint:
            return str(entry.get("hints", {}).get(code) or result.hint)
    return result.hint


OUTCOME_LABELS: dict[str, Any] = {
    Outcome.PASSED: lazy_gettext("✓ passed"),
    Outcome.FAILED: lazy_gettext("✗ failed"),
    Outcome.ERROR: lazy_gettext("⚠ error"),
    Outcome.TIMEOUT: lazy_gettext("⏱ too slow"),
    Outcome.MEMORY: lazy_gettext("⚠ too much memory"),
    Outcome.INFRASTRUCTURE: lazy_gettext("↻ grader problem (not your fault)"),
}
"""Each outcome with a sign beside its colour, translated only when shown (one lookup, not six, per row)."""


def outcome_label(outcome: str | None) -> str:
    """The outcome of a graded submission as a learner reads it, with a sign beside the colour."""
    if not outcome:
        return ""
    return _once_per_request("outcomes", outcome, lambda: str(OUTCOME_LABELS.get(outcome, outcome)))


def decimal_format(number: float | int) -> str:
    """A number written the reader's way (a decimal comma in Dutch and French)."""
    return _once_per_request("decimals", number, lambda: format_decimal(number))


def _once_per_request(kind: str, key: object, make: Callable[[], str]) -> str:
    """The text made once per request and kept: a coach's page writes the same scores and outcomes hundreds of times."""
    kept: dict[object, str] = g.setdefault(f"i18n_{kind}", {})
    text = kept.get(key)
    if text is None:
        text = kept[key] = make()
    return text


def notice_of(submission: Submission) -> str:
    """What the grader said about the whole run, in the reader's language."""
    message = Message.from_json(submission.notice)
    return translate(message) if message else ""


def announcement_of(submission: Submission) -> str:
    """One sentence for screen readers when the result arrives."""
    if submission.status != Status.GRADED:
        return ""
    if submission.score is None:
        return gettext("Result: %(outcome)s.", outcome=outcome_label(submission.outcome))
    return gettext(
        "Result: %(outcome)s, %(score)s of %(max)s points.",
        outcome=outcome_label(submission.outcome),
        score=format_decimal(round(submission.score, 1)),
        max=format_decimal(round(submission.max_score, 1)),
    )


def explained(data: object, *, as_html: bool = True) -> dict[str, object] | None:
    """A stored explanation of a mistake in the reader's language: what happened, where, what to try next.

    As HTML for pages (names and keywords in <code>), as plain text for the API.
    """
    found = explain(data)
    if found is None:
        return None
    words: Callable[[Message], str] = (lambda message: with_code(message, NOT_CODE)) if as_html else translate
    return {
        "key": found.key,
        "what": words(found.what),
        "next": words(found.next_step),
        "file": found.file,
        "line": found.line,
        "code": found.code,
        "got": marked_difference(found.got, found.expected) if as_html else found.got,
        "expected": marked_difference(found.expected, found.got) if as_html else found.expected,
        "compared": bool(found.got or found.expected),
    }


def marked_difference(text: str, other: str) -> Markup:
    """Text with the parts that differ from other in <mark>: the difference is seen, and not only by colour."""
    parts = []
    for tag, start, end, _other_start, _other_end in SequenceMatcher(None, text, other, autojunk=False).get_opcodes():
        piece = escape(text[start:end])
        parts.append(piece if tag == "equal" else Markup("<mark>{}</mark>").format(piece))
    return Markup("").join(parts)


def _translation(exercise: Exercise, part: str) -> str | None:
    translations = exercise.translations or {}
    found = translations.get(str(get_locale()), {})
    return found.get(part) if isinstance(found, dict) else None
