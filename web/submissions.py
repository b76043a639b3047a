"""A learner's submission page, which follows grading until the result is there."""

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from grader.models import Exercise, Outcome, Submission, User
from grader.people.access import can_see_submission
from grader.people.comments import mark_read
from grader.progress.home import next_to_do
from web.context import db_session

bp = Blueprint("submissions", __name__)


def visible_submission(submission_id: int, user: User) -> Submission:
    """The submission if this user may see it (grader/people/access.py); 404 otherwise, so ids reveal nothing."""
    submission = db_session().get(Submission, submission_id)
    if submission is None or not can_see_submission(db_session(), user, submission):
        abort(404, description=gettext("There is no such submission."))
    return submission


@bp.get("/submissions/<int:submission_id>")
@login_required
def show(submission_id: int) -> ResponseReturnValue:
    """The submitted code and its result; the page refreshes the result until grading is done."""
    submission = visible_submission(submission_id, current_user)
    if submission.user_id == current_user.id and any(comment.read_at is None for comment in submission.comments):
        mark_read(submission.comments)  # the learner opened them; a coach reading them leaves them new
        db_session().commit()
    return render_template("submissions/show.html", submission=submission, next_exercise=_next_for(submission))


@bp.get("/submissions/<int:submission_id>/result")
@login_required
def result(submission_id: int) -> ResponseReturnValue:
    """Only the result part of the page, fetched again and again by the page while grading runs."""
    submission = visible_submission(submission_id, current_user)
    return render_template("submissions/_result.html", submission=submission, next_exercise=_next_for(submission))


def _next_for(submission: Submission) -> Exercise | None:
    """After a learner's own pass, the exercise to do next in plan order."""
    if submission.outcome != Outcome.PASSED or submission.user_id != current_user.id:
        return None
    return next_to_do(db_session(), current_user)
