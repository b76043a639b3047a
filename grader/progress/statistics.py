"""How a cohort fares on each exercise: solve rate, median attempts, median time to solve, the test failed most."""

import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, Standing, TestFailures, User
from grader.progress.queries import as_datetime, members, raw_rows


@dataclass
class ExerciseStats:
    """How a cohort fares on one exercise."""

    exercise: Exercise
    attempted: int = 0
    solved: int = 0
    solve_rate: float = 0.0
    median_attempts: float | None = None
    """Attempts until the first solve, the median over those who solved it."""
    median_minutes_to_solve: float | None = None
    hardest_test: str | None = None
    """The description of the test that failed most often before learners solved the exercise."""
    hardest_test_failures: int = 0


def exercise_stats(
    session: Session, cohort: Cohort, learners: list[User], exercises: list[Exercise]
) -> list[ExerciseStats]:
    """Solve rate, median attempts until solved, median time to solve, and the test failed most before solving."""
    attempted: dict[int, int] = dict(
        raw_rows(  # type: ignore[arg-type]  # rows of two columns
            session,
            select(Standing.exercise_id, func.count())
            .where(Standing.user_id.in_(members(cohort)))
            .group_by(Standing.exercise_id),
        )
    )
    solvers: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for exercise_id, attempts, first, solved in raw_rows(
        session,
        select(Standing.exercise_id, Standing.attempts_to_solve, Standing.first_at, Standing.solved_at).where(
            Standing.user_id.in_(members(cohort)), Standing.solved_at.is_not(None)
        ),
    ):
        solvers[exercise_id].append((attempts, (as_datetime(solved) - as_datetime(first)).total_seconds() / 60))
    # Failures of tests that ran, before the first solve; of equals, the first by description, so it does not flicker.
    hardest: dict[int, tuple[str, int]] = {}
    for exercise_id, test, failures in session.execute(
        select(TestFailures.exercise_id, TestFailures.test, func.sum(TestFailures.failures))
        .where(TestFailures.user_id.in_(members(cohort)))
        .group_by(TestFailures.exercise_id, TestFailures.test)
        .order_by(TestFailures.exercise_id, func.sum(TestFailures.failures).desc(), TestFailures.test)
    ):
        hardest.setdefault(exercise_id, (test, int(failures)))
    stats = []
    for exercise in exercises:
        solved = solvers.get(exercise.id, [])
        item = ExerciseStats(exercise, attempted=attempted.get(exercise.id, 0), solved=len(solved))
        item.solve_rate = len(solved) / len(learners) if learners else 0.0
        item.median_attempts = statistics.median(a for a, _ in solved) if solved else None
        item.median_minutes_to_solve = round(statistics.median(m for _, m in solved), 1) if solved else None
        item.hardest_test, item.hardest_test_failures = hardest.get(exercise.id, (None, 0))
        stats.append(item)
    return stats
