"""The authors' page: each exercise with its last check, a preview, and buttons that use the real pipeline."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import func, select

from grader.authoring.reader import read_exercise
from grader.authoring.spec import ExerciseInvalid
from grader.grading.submissions import SubmissionRejected, regrade
from grader.models import Exercise, ExerciseCheck, Submission
from grader.people.access import AUTHOR_ROLES
from web.auth import roles_required
from web.context import db_session, grading_queue, settings
from web.exercises import exercise_or_404, submit_as
from web.i18n import title_of, translate

bp = Blueprint("authors", __name__, url_prefix="/authors")


@bp.get("/")
@roles_required(*AUTHOR_ROLES)
def index() -> ResponseReturnValue:
    """Every exercise, loaded or refused, with the output of its last check."""
    session = db_session()
    exercises = {exercise.slug: exercise for exercise in session.scalars(select(Exercise))}
    checks = {check.slug: check for check in session.scalars(select(ExerciseCheck))}
    counts = dict(session.execute(select(Submission.exercise_id, func.count()).group_by(Submission.exercise_id)).all())
    rows = [
        {"slug": slug, "exercise": exercises.get(slug), "check": checks.get(slug)}
        for slug in sorted(set(exercises) | set(checks))
    ]
    return render_template("authors/index.html", rows=rows, counts=counts)


@bp.get("/exercises/<slug>/preview")
@roles_required(*AUTHOR_ROLES)
def preview(slug: str) -> ResponseReturnValue:
    """The exercise page exactly as a learner sees it before their first submission."""
    exercise = exercise_or_404(slug)
    return render_template(
        "exercises/show.html", exercise=exercise, code=dict(exercise.starter), history=[], preview=True
    )


@bp.post("/exercises/<slug>/reference")
@roles_required(*AUTHOR_ROLES)
def run_reference(slug: str) -> ResponseReturnValue:
    """Submit the reference solution from the bank as this author, through the real queue and sandbox."""
    exercise = exercise_or_404(slug)
    try:
        spec = read_exercise(settings().exercises_dir / slug)
    except (ExerciseInvalid, FileNotFoundError):
        abort(
            409,
            description=gettext(
                "The folder of '%(slug)s' cannot be read now; run autograder exercises check %(slug)s.", slug=slug
            ),
        )
    try:
        submission = submit_as(current_user, exercise, spec.solution)
    except SubmissionRejected as rejected:
        flash(translate(rejected.message), "error")
        return redirect(url_for(".index"))
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.post("/exercises/<slug>/regrade")
@roles_required(*AUTHOR_ROLES)
def regrade_all(slug: str) -> ResponseReturnValue:
    """Grade every submission of the exercise again with its current version."""
    exercise = exercise_or_404(slug)
    count = regrade(db_session(), grading_queue(), exercise)
    flash(
        ngettext(
            "%(num)d submission of '%(title)s' is being graded again with version %(version)s.",
            "%(num)d submissions of '%(title)s' are being graded again with version %(version)s.",
            count,
            title=title_of(exercise),
            version=exercise.version,
        )
    )
    return redirect(url_for(".index"))
