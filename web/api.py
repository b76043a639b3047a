"""The JSON API, for terminals and scripts: token auth, the exercises, submitting, reading results."""

from datetime import datetime, timedelta

from flask import Blueprint, abort, g, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from grader.grading.submissions import SubmissionRejected
from grader.models import Exercise, Submission
from grader.people.tokens import TokenRefused, token_owner
from web.context import db_session, settings
from web.exercises import exercise_or_404, submit_as
from web.i18n import explained, hint_of, notice_of, translate
from web.submissions import visible_submission

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def authenticate() -> None:
    """Every API call needs 'Authorization: Bearer TOKEN' with a token that is known, not revoked and not expired."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, description=gettext("Send a valid API token as 'Authorization: Bearer TOKEN'."))
    try:
        user = token_owner(db_session(), token.strip(), timedelta(days=settings().token_days))
    except TokenRefused as refused:
        abort(401, description=translate(refused.message))
    db_session().commit()  # the token's last use, when token_owner noted it (every few minutes at most)
    g.api_user = user


@bp.get("/exercises")
def list_exercises() -> ResponseReturnValue:
    """Every exercise: slug, title, week and points."""
    exercises = db_session().scalars(select(Exercise).order_by(Exercise.week, Exercise.day, Exercise.slug))
    return [{"slug": e.slug, "title": e.title, "week": e.week, "max_score": e.max_score} for e in exercises]


@bp.post("/exercises/<slug>/submissions")
def create_submission(slug: str) -> ResponseReturnValue:
    """Submit {"files": {"name.py": "content"}}; answers 202 with the submission's id and url."""
    exercise = exercise_or_404(slug)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("files"), dict):
        abort(400, description=gettext('Send JSON like {"files": {"name.py": "content"}}.'))
    try:
        submission = submit_as(g.api_user, exercise, body["files"])
    except SubmissionRejected as rejected:
        abort(rejected.http_status, description=translate(rejected.message))
    url = url_for("api.show_submission", submission_id=submission.id, _external=True)
    return {"id": submission.id, "url": url}, 202, {"Location": url}


@bp.get("/submissions/<int:submission_id>")
def show_submission(submission_id: int) -> ResponseReturnValue:
    """One submission with its status, outcome, score and tests."""
    return submission_as_json(visible_submission(submission_id, g.api_user))


def submission_as_json(submission: Submission) -> dict[str, object]:
    """The API's view of a submission: hidden tests carry no message."""
    return {
        "id": submission.id,
        "exercise": submission.exercise.slug,
        "status": submission.status,
        "outcome": submission.outcome,
        "score": submission.score,
        "max_score": submission.max_score,
        "notice": notice_of(submission),
        "explanation": _plain_explanation(submission.explanation),
        "feedback": submission.feedback,
        "tests": [
            {
                "name": r.name,
                "description": r.description,
                "status": r.status,
                "message": r.message,
                "hint": hint_of(r, submission.exercise) if r.hint else "",
                "explanation": _plain_explanation(r.explanation),
                "hidden": r.hidden,
            }
            for r in submission.results
        ],
        "created_at": _iso(submission.created_at),
        "graded_at": _iso(submission.graded_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def _plain_explanation(data: object) -> dict[str, object] | None:
    """An explanation as the API gives it: plain text throughout."""
    found = explained(data, as_html=False)
    if found is not None:
        found.pop("compared")
    return found
