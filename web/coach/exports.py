"""A cohort as CSV files for spreadsheets: the matrix, and every submission."""

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.models import Cohort, Enrollment, Submission, User
from grader.progress.matrix import Cell
from grader.progress.queries import exercises_in_plan
from grader.progress.snapshot import snapshot
from web.coach import bp, cohort_or_404
from web.context import db_session, services, today

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's list); such cells get a quote."""

SUBMISSION_COLUMNS = (
    "id",
    "learner",
    "email",
    "exercise",
    "submitted_at",
    "status",
    "outcome",
    "score",
    "max_score",
    "version",
)
"""Header of the submissions export."""


@bp.get("/cohorts/<int:cohort_id>/matrix.csv")
def export_matrix(cohort_id: int) -> Response:
    """The matrix as CSV: one row per learner, one column per exercise."""
    found = cohort_or_404(cohort_id)
    data = snapshot(db_session(), found, today(found.time_zone), cache=services().progress_cache)
    rows: list[list[object]] = [["learner", "email", *[exercise.slug for exercise in data.exercises]]]
    for person in data.learners:
        cells = [_cell_text(data.matrix.get((person.id, exercise.id))) for exercise in data.exercises]
        rows.append([person.name, person.email, *cells])
    return _csv(rows, f"{found.name}-matrix.csv")


@bp.get("/cohorts/<int:cohort_id>/submissions.csv")
def export_submissions(cohort_id: int) -> Response:
    """Every submission of the cohort's learners as CSV."""
    found = cohort_or_404(cohort_id)
    rows = [SUBMISSION_COLUMNS, *_submission_rows(db_session(), found)]
    return _csv(rows, f"{found.name}-submissions.csv")


def _cell_text(cell: Cell | None) -> str:
    """One learner on one exercise, in words."""
    if cell is None:
        return "not started"
    return "solved" if cell.solved else f"attempted ({cell.attempts})"


def _submission_rows(session: Session, cohort: Cohort) -> list[list[object]]:
    """One row per submission of the cohort's learners, oldest first, in the order of SUBMISSION_COLUMNS."""
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
        .join(Enrollment, (Enrollment.user_id == Submission.user_id) & (Enrollment.cohort_id == cohort.id))
        .order_by(Submission.created_at)
    )
    slugs = {exercise.id: exercise.slug for exercise in exercises_in_plan(session, cohort)[0]}
    return [
        [id_, name, email, slugs.get(exercise_id, exercise_id), f"{created_at:%Y-%m-%d %H:%M:%S}", *outcome]
        for id_, name, email, exercise_id, created_at, *outcome in session.execute(query)
    ]


def _csv(rows: Iterable[Sequence[object]], filename: str) -> Response:
    """A CSV download whose cells cannot run as spreadsheet formulas, under a file name safe for a header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["'" + str(cell) if str(cell).startswith(FORMULA_STARTS) else cell for cell in row])
    safe_name = "".join(char if char.isalnum() or char in "-_." else "-" for char in filename)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )
