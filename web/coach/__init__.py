"""The coach's pages, for coaches and admins only: cohorts and their plan, people, exports, grading health."""

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from grader.models import Cohort
from grader.people.access import COACH_ROLES, coaches_cohort, in_cohort
from web.auth import roles_required
from web.context import db_session

bp = Blueprint("coach", __name__, url_prefix="/coach")


@bp.before_request
@roles_required(*COACH_ROLES)
def coaches_only() -> None:
    """Guard every page of the blueprint at once, so no view can forget it."""


def cohort_or_404(cohort_id: int) -> Cohort:
    """The cohort if the current user coaches it; 404 otherwise, so other cohorts stay invisible."""
    cohort = db_session().get(Cohort, cohort_id)
    if cohort is None or not coaches_cohort(db_session(), current_user, cohort_id):
        abort(404, description=gettext("There is no such cohort among yours."))
    return cohort


def enrolled_or_404(cohort_id: int, user_id: int) -> None:
    """Answer 404 unless the user is a learner of the cohort."""
    if not in_cohort(db_session(), cohort_id, user_id):
        abort(404, description=gettext("This learner is not in this cohort."))


def to_cohort(cohort_id: int, section: str = "", *, refused: bool = False) -> BaseResponse:
    """Redirect to the cohort page, at one of its sections: 303 after a refused form, 302 after a saved one."""
    anchor = f"#{section}" if section else ""
    return redirect(url_for("coach.cohort", cohort_id=cohort_id) + anchor, 303 if refused else 302)


# Last, because the view modules register their routes on bp above.
from web.coach import cohorts, exports, health, people  # noqa: E402

__all__ = ["bp", "cohorts", "exports", "health", "people"]
