"""The coach's pages: cohorts, enrolment, the cohort page, exercise statistics, a learner's work, exports."""

import csv
import difflib
import io
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from grader.models import Cohort, Comment, Enrollment, Role, Submission, User
from grader.people.calendar import default_due_day, sprint_length
from grader.people.cohorts import (
    CohortError,
    CsvRejected,
    coaches,
    cohorts_of_coach,
    create_cohort,
    enrol,
    enrol_csv,
)
from grader.people.plan import read_plan_form, save_plan
from grader.progress.queries import exercises_in_plan, learners_of
from grader.progress.snapshot import snapshot
from grader.progress.statistics import exercise_stats
from web.auth import roles_required
from web.charts import chart_data
from web.context import db_session, today
from web.matrix import matrix_body

bp = Blueprint("coach", __name__, url_prefix="/coach")

COACH_ROLES = (Role.COACH, Role.ADMIN)
THRESHOLD_RANGES = {
    "inactive_days": (1, 30),
    "stuck_attempts": (2, 50),
    "stuck_minutes": (1, 600),
    "behind_points": (1, 1000),
}
"""Allowed range of each at-risk threshold a coach may set."""

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def cohort_or_404(cohort_id: int) -> Cohort:
    """The cohort if the current user coaches it; 404 otherwise, so other cohorts stay invisible."""
    cohort = db_session().get(Cohort, cohort_id)
    if cohort is None or not coaches(db_session(), cohort, current_user):
        abort(404, description="There is no such cohort among yours.")
    return cohort


@bp.get("/")
@roles_required(*COACH_ROLES)
def index():
    """The coach's cohorts, and a form to start a new one."""
    return render_template(
        "coach/index.html", cohorts=cohorts_of_coach(db_session(), current_user), day_names=DAY_NAMES, today=today()
    )


@bp.post("/cohorts")
@roles_required(*COACH_ROLES)
def create():
    """Start a cohort coached by the current user."""
    try:
        start = date.fromisoformat(request.form.get("start_date", ""))
        days = [int(day) for day in request.form.getlist("working_days")]
        cohort = create_cohort(
            db_session(), name=request.form.get("name", ""), start_date=start, coach=current_user, working_days=days
        )
    except ValueError:
        flash("Give a start date such as 2026-11-23.", "error")
        return redirect(url_for(".index")), 303
    except CohortError as error:
        flash(str(error), "error")
        return redirect(url_for(".index")), 303
    db_session().commit()
    flash(f"Cohort '{cohort.name}' created. Now add its learners.")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@bp.get("/cohorts/<int:cohort_id>")
@roles_required(*COACH_ROLES)
def cohort(cohort_id: int):
    """One chart of every learner, the at-risk list and the matrix of learners and exercises."""
    found = cohort_or_404(cohort_id)
    data = snapshot(db_session(), found, today())
    return render_template(
        "coach/cohort.html",
        snap=data,
        chart=chart_data(data.progress, with_learners=True),
        matrix_body=matrix_body(data),
    )


@bp.post("/cohorts/<int:cohort_id>/learners")
@roles_required(*COACH_ROLES)
def add_learner(cohort_id: int):
    """Enrol one learner; a new one gets an invite link to set their password."""
    found = cohort_or_404(cohort_id)
    try:
        user, token = enrol(db_session(), found, name=request.form.get("name", ""), email=request.form.get("email", ""))
    except CohortError as error:
        flash(f"Not added: {error}", "error")
        return redirect(url_for(".cohort", cohort_id=cohort_id) + "#people"), 303
    db_session().commit()
    _flash_invites([(user, token)])
    return redirect(url_for(".cohort", cohort_id=cohort_id) + "#people")


@bp.post("/cohorts/<int:cohort_id>/learners.csv")
@roles_required(*COACH_ROLES)
def upload_learners(cohort_id: int):
    """Enrol every learner of a CSV file (name, email); a single problem imports nothing."""
    found = cohort_or_404(cohort_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a CSV file first.", "error")
        return redirect(url_for(".cohort", cohort_id=cohort_id) + "#people"), 303
    try:
        added = enrol_csv(db_session(), found, upload.read())
    except CsvRejected as rejected:
        db_session().rollback()
        flash("Nothing was imported. Fix these lines and upload the file again:", "error")
        for error in rejected.errors[:50]:
            flash(str(error), "error")
        return redirect(url_for(".cohort", cohort_id=cohort_id) + "#people"), 303
    db_session().commit()
    flash(f"{len(added)} learner(s) added.")
    _flash_invites(added)
    return redirect(url_for(".cohort", cohort_id=cohort_id) + "#people")


@bp.post("/cohorts/<int:cohort_id>/settings")
@roles_required(*COACH_ROLES)
def update_settings(cohort_id: int):
    """Change the thresholds of the at-risk signals."""
    found = cohort_or_404(cohort_id)
    limits = {
        "inactive_days": (1, 30),
        "stuck_attempts": (2, 50),
        "stuck_minutes": (1, 600),
        "behind_points": (1, 1000),
    }
    try:
        values = {name: int(request.form.get(name, "")) for name in limits}
    except ValueError:
        flash("Each threshold must be a whole number.", "error")
        return redirect(url_for(".cohort", cohort_id=cohort_id) + "#settings"), 303
    for name, (low, high) in limits.items():
        if not low <= values[name] <= high:
            flash(f"{name.replace('_', ' ')} must be between {low} and {high}.", "error")
            return redirect(url_for(".cohort", cohort_id=cohort_id) + "#settings"), 303
    for name, value in values.items():
        setattr(found, name, value)
    db_session().commit()
    flash("Thresholds saved.")
    return redirect(url_for(".cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/plan", methods=["GET", "POST"])
@roles_required(*COACH_ROLES)
def edit_plan(cohort_id: int):
    """Which exercise is expected by which sprint day; blank keeps the default from its week and day."""
    found = cohort_or_404(cohort_id)
    session = db_session()
    exercises, due = exercises_in_plan(session, found)

    def page(status: int = 200):
        defaults = {exercise.id: default_due_day(found, exercise) for exercise in exercises}
        return render_template(
            "coach/plan.html",
            cohort=found,
            exercises=exercises,
            due=due,
            defaults=defaults,
            length=sprint_length(found),
        ), status

    if request.method == "GET":
        return page()
    try:
        changes = read_plan_form(found, exercises, request.form)
    except ValueError as error:
        flash(f"Nothing was saved: {error}", "error")
        return page(400)
    save_plan(session, found, changes)
    session.commit()
    flash("Plan saved. Curves, pace and signals now follow it.")
    return redirect(url_for(".cohort", cohort_id=cohort_id))


@bp.get("/cohorts/<int:cohort_id>/exercises")
@roles_required(*COACH_ROLES)
def statistics(cohort_id: int):
    """Per exercise: solve rate, median attempts, median time to solve, the test failed most."""
    found = cohort_or_404(cohort_id)
    session = db_session()
    exercises, due = exercises_in_plan(session, found)
    stats = exercise_stats(session, found, learners_of(session, found), exercises)
    return render_template("coach/statistics.html", cohort=found, stats=stats, due=due)


@bp.get("/cohorts/<int:cohort_id>/learners/<int:user_id>")
@roles_required(*COACH_ROLES)
def learner(cohort_id: int, user_id: int):
    """One learner's curve, the timeline of their submissions with diffs and results, and comments."""
    found = cohort_or_404(cohort_id)
    session = db_session()
    if session.get(Enrollment, (cohort_id, user_id)) is None:
        abort(404, description="This learner is not in this cohort.")
    person = session.get(User, user_id)
    data = snapshot(session, found, today(), with_matrix=False)
    curve = next(c for c in data.progress.curves if c.user_id == user_id)
    submissions = session.scalars(
        select(Submission).where(Submission.user_id == user_id).order_by(Submission.created_at.desc()).limit(200)
    ).all()
    return render_template(
        "coach/learner.html",
        cohort=found,
        person=person,
        submissions=submissions,
        diffs=_diffs(submissions),
        signals=[signal for signal in data.signals if signal.user_id == user_id],
        chart=chart_data(data.progress, highlight=curve),
    )


@bp.post("/submissions/<int:submission_id>/comments")
@roles_required(*COACH_ROLES)
def comment(submission_id: int):
    """Leave a comment on a submission of a learner in one of the coach's cohorts."""
    session = db_session()
    submission = session.get(Submission, submission_id)
    cohort_id = request.form.get("cohort_id", type=int)
    if submission is None or cohort_id is None:
        abort(404)
    cohort_or_404(cohort_id)
    if session.get(Enrollment, (cohort_id, submission.user_id)) is None:
        abort(404)
    text = request.form.get("text", "").strip()
    if not text or len(text) > 4000:
        flash("Write a comment of 1 to 4000 characters.", "error")
    else:
        session.add(Comment(submission_id=submission_id, author_id=current_user.id, text=text))
        session.commit()
        flash("Comment saved; the learner sees it beside the submission.")
    return redirect(
        url_for(".learner", cohort_id=cohort_id, user_id=submission.user_id) + f"#submission-{submission_id}"
    )


@bp.get("/cohorts/<int:cohort_id>/matrix.csv")
@roles_required(*COACH_ROLES)
def export_matrix(cohort_id: int):
    """The matrix as CSV: one row per learner, one column per exercise."""
    found = cohort_or_404(cohort_id)
    data = snapshot(db_session(), found, today())
    rows = [["learner", "email", *[exercise.slug for exercise in data.exercises]]]
    for person in data.learners:
        cells = []
        for exercise in data.exercises:
            cell = data.matrix.get((person.id, exercise.id))
            cells.append(
                "not started" if cell is None else ("solved" if cell.solved else f"attempted ({cell.attempts})")
            )
        rows.append([person.name, person.email, *cells])
    return _csv(rows, f"{found.name}-matrix.csv")


@bp.get("/cohorts/<int:cohort_id>/submissions.csv")
@roles_required(*COACH_ROLES)
def export_submissions(cohort_id: int):
    """Every submission of the cohort's learners as CSV."""
    found = cohort_or_404(cohort_id)
    session = db_session()
    query = (
        select(
            Submission.id,
            User.name,
            User.email,
            Submission.exercise_id,
            Submission.created_at,
            Submission.status,
            Submission.outcome,
            Submission.score,
            Submission.max_score,
            Submission.exercise_version,
        )
        .join(User, User.id == Submission.user_id)
        .join(Enrollment, (Enrollment.user_id == Submission.user_id) & (Enrollment.cohort_id == found.id))
        .order_by(Submission.created_at)
    )
    slugs = {exercise.id: exercise.slug for exercise in exercises_in_plan(session, found)[0]}
    rows = [
        ["id", "learner", "email", "exercise", "submitted_at", "status", "outcome", "score", "max_score", "version"]
    ]
    for row in session.execute(query):
        rows.append([row[0], row[1], row[2], slugs.get(row[3], row[3]), f"{row[4]:%Y-%m-%d %H:%M:%S}", *row[5:]])
    return _csv(rows, f"{found.name}-submissions.csv")


def _cell_text(cell) -> str:
    if cell is None:
        return "not started"
    return "solved" if cell.solved else f"attempted ({cell.attempts})"


def _csv(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow(["'" + str(cell) if str(cell)[:1] in "=+-@" else cell for cell in row])
    safe_name = "".join(char if char.isalnum() or char in "-_." else "-" for char in filename)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )


def _diffs(submissions: list[Submission]) -> dict[int, str]:
    """Submission id → unified diff of its files against the learner's previous submission of that exercise."""
    diffs, previous = {}, {}
    for submission in sorted(submissions, key=lambda s: s.created_at):
        before = previous.get(submission.exercise_id)
        if before is not None:
            lines = []
            for name in sorted(set(before.files) | set(submission.files)):
                lines += difflib.unified_diff(
                    before.files.get(name, "").splitlines(keepends=True),
                    submission.files.get(name, "").splitlines(keepends=True),
                    fromfile=f"{name} (#{before.id})",
                    tofile=f"{name} (#{submission.id})",
                )
            diffs[submission.id] = "".join(lines) or "(no change)"
        previous[submission.exercise_id] = submission
    return diffs


def _flash_invites(added) -> None:
    for user, token in added:
        if token:
            link = url_for("auth.accept_invite", token=token, _external=True)
            flash(f"Invite link for {user.name} ({user.email}), shown once: {link}", "invite")
