"""The learners × exercises matrix: attempts, solved and best score of each pair, from one GROUP BY."""

from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from grader.models import Cohort, Outcome, Submission
from grader.progress.queries import members, raw_rows


class Cell(NamedTuple):
    """One learner on one exercise."""

    attempts: int
    solved: bool
    best: float | None


def matrix(session: Session, cohort: Cohort) -> dict[tuple[int, int], Cell]:
    """(learner, exercise) → attempts, solved, best score."""
    query = (
        select(
            Submission.user_id,
            Submission.exercise_id,
            func.count(),
            func.max(case((Submission.outcome == Outcome.PASSED, 1), else_=0)),
            func.max(Submission.score),
        )
        .where(Submission.user_id.in_(members(cohort)))
        .group_by(Submission.user_id, Submission.exercise_id)
    )
    # Raw rows: a big cohort has tens of thousands of cells.
    make = Cell._make  # solved arrives as 0 or 1, which reads as false or true
    return {(row[0], row[1]): make(row[2:]) for row in raw_rows(session, query)}
