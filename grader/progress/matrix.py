"""The learners × exercises matrix: attempts, solved and best score of each pair, read from the standings."""

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.models import Cohort, Standing
from grader.progress.queries import members, raw_rows


class Cell(NamedTuple):
    """One learner on one exercise."""

    attempts: int
    """Attempts until solved, or so far while not solved."""
    solved: bool
    best: float | None


def matrix(session: Session, cohort: Cohort) -> dict[tuple[int, int], Cell]:
    """(learner, exercise) → attempts, solved, best score."""
    query = select(
        Standing.user_id,
        Standing.exercise_id,
        func.coalesce(Standing.attempts_to_solve, Standing.attempts),  # solved: in how many attempts
        Standing.solved_at.is_not(None),
        Standing.best_score,
    ).where(Standing.user_id.in_(members(cohort)))
    # Raw rows: a big cohort has tens of thousands of cells.
    make = Cell._make  # solved arrives as 0 or 1, which reads as false or true
    return {(row[0], row[1]): make(row[2:]) for row in raw_rows(session, query)}
