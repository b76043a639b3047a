"""Learners browse the exercises of the sprint, read one, and submit code for it."""

from collections.abc import Mapping, Sequence
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from grader.grading.submissions import SubmissionRejected, submit
from grader.models import Exercise, Role, Submission, User
from grader.people.cohorts import cohort_of_learner
from grader.people.comments import comments_by_exercise, mark_read, unread_comments
from grader.progress.curves import Curve
from grader.progress.home import learner_home
from web.charts import chart_data
from web.context import db_session, grading_queue, services, settings, today
from web.forms import submission_form
from web.i18n import translate

bp = Blueprint("exercises", __name__)


def exercise_or_404(slug: str) -> Exercise:
    """The exercise with this slug, or a 404 page."""
    exercise = db_session().scalar(select(Exercise).where(Exercise.slug == slug))
    if exercise is None:
        abort(404, description=gettext("There is no exercise called '%(slug)s'.", slug=slug))
    return exercise


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The exercises of the sprint, week by week, with the learner's best score on each."""
    exercises = db_session().scalars(select(Exercise).order_by(Exercise.week, Exercise.day, Exercise.title)).all()
    best = _best_scores(current_user.id)
    weeks = [(week, list(items)) for week, items in groupby(exercises, key=lambda exercise: exercise.week)]
    home, chart = None, None
    cohort = cohort_of_learner(db_session(), current_user) if current_user.role == Role.LEARNER else None
    unread = unread_comments(db_session(), current_user)
    if cohort is not None:
        home = learner_home(db_session(), cohort, current_user, today(cohort.time_zone), services().progress_cache)
        chart = chart_data(home.progress, highlight=Curve(current_user.id, gettext("You"), home.own.points), mine=True)
    return render_template("exercises/index.html", weeks=weeks, best=best, home=home, chart=chart, unread=unread)


@bp.get("/exercises/<slug>")
@login_required
def show(slug: str) -> ResponseReturnValue:
    """The statement, the editor prefilled with the starter (or the last code sent), and earlier submissions."""
    exercise = exercise_or_404(slug)
    history = _history(exercise)
    code = dict(exercise.starter)
    if history:
        code.update({name: text for name, text in history[0].files.items() if name in code})
    return _exercise_page(exercise, code, history)


@bp.post("/exercises/<slug>/submissions")
@login_required
def create_submission(slug: str) -> ResponseReturnValue:
    """Store the learner's code and queue it for grading; on bad input, explain and keep the code."""
    exercise = exercise_or_404(slug)
    files = submission_form(exercise.files).files()
    try:
        submission = submit_as(current_user, exercise, files)
    except SubmissionRejected as rejected:
        flash(translate(rejected.message), "error")
        code = {name: _as_text(files.get(name, "")) for name in exercise.files}
        return _exercise_page(exercise, code, _history(exercise)), rejected.http_status
    return redirect(url_for("submissions.show", submission_id=submission.id))


def submit_as(user: User, exercise: Exercise, files: Mapping[str, str | bytes]) -> Submission:
    """Check, store and queue files for an exercise as this user, within the site's limits."""
    return submit(
        db_session(),
        grading_queue(),
        learner=user,
        exercise=exercise,
        files=files,
        max_file_bytes=settings().max_file_bytes,
        per_minute=settings().submissions_per_minute,
        in_flight=settings().submissions_in_flight,
    )


def _exercise_page(exercise: Exercise, code: Mapping[str, str], history: Sequence[Submission]) -> str:
    """The exercise's page with the coach's comments on the learner's work, which count as read once shown."""
    comments = comments_by_exercise(db_session(), current_user, exercise.id).get(exercise.id, [])
    new = mark_read(comments)  # opened now: the home page stops pointing to them
    if new:
        db_session().commit()
    return render_template(
        "exercises/show.html", exercise=exercise, code=code, history=history, comments=comments, new_comments=new
    )


def _as_text(content: str | bytes) -> str:
    return content if isinstance(content, str) else content.decode("utf-8", errors="replace")


def _history(exercise: Exercise) -> Sequence[Submission]:
    return (
        db_session()
        .scalars(
            select(Submission)
            .where(Submission.user_id == current_user.id, Submission.exercise_id == exercise.id)
            .order_by(Submission.id.desc())
        )
        .all()
    )


def _best_scores(user_id: int) -> dict[int, float]:
    rows = db_session().execute(
        select(Submission.exercise_id, func.max(Submission.score))
        .where(Submission.user_id == user_id)
        .group_by(Submission.exercise_id)
    )
    return {exercise_id: score for exercise_id, score in rows if score is not None}
