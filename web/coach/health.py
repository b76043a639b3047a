"""The grading health page: the queues, the workers, how long grading takes, what failed (coaches and admins)."""

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from grader.grading.health import check
from grader.grading.presence import SANDBOX_DOWN
from web.coach import bp
from web.context import services, settings
from web.i18n import decimal_format


@bp.get("/health")
def health() -> ResponseReturnValue:
    """How grading goes now, read from the database and Redis; coaches read it, nothing on it changes anything."""
    return render_template(
        "coach/health.html",
        health=check(services().sessions, settings()),
        seconds=seconds,
        sandbox_down=SANDBOX_DOWN,
    )


def seconds(value: float | None) -> str:
    """A duration with its unit: seconds under two minutes, minutes under two hours, then hours."""
    if value is None:
        return "–"
    if value < 120:
        return gettext("%(seconds)s s", seconds=decimal_format(round(value, 1)))
    if value < 7200:
        return gettext("%(minutes)s min", minutes=decimal_format(round(value / 60, 1)))
    return gettext("%(hours)s h", hours=decimal_format(round(value / 3600, 1)))
