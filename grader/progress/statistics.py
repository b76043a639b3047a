"""How a cohort fares on each exercise: solve rate, median attempts, median time to solve, the test failed most."""

import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, Outcome, Submission, TestResult, User
from grader.progress.queries import as_datetime, members


@dataclass
class ExerciseStats:
    """How a cohort fares on one exercise."""

    exercise: Exercise
    attempted: int = 0
    solved: int = 0
    solve_rate: float = 0.0
    median_attempts: float | None = None
    median_minutes_to_solve: float | None = None
    hardest_test: str | None = None
    hardest_test_failures: int = 0


def exercise_stats(
    session: Session, cohort: Cohort, learners: list[User], exercises: list[Exercise]
) -> list[ExerciseStats]:
    """Solve rate, median attempts, median time to solve and the test failed most, per exercise."""
    solved_at = func.min(case((Submission.outcome == Outcome.PASSED, Submission.created_at)))
    rows = session.execute(
        select(Submission.exercise_id, func.count(), func.min(Submission.created_at), solved_at)
        .where(Submission.user_id.in_(members(cohort)))
        .group_by(Submission.exercise_id, Submission.user_id)
    ).all()
    per_exercise: dict[int, list] = defaultdict(list)
    for exercise_id, attempts, first, solved in rows:
        per_exercise[exercise_id].append((attempts, first, solved))
    failures = session.execute(
        select(Submission.exercise_id, TestResult.name, func.count())
        .join(TestResult, TestResult.submission_id == Submission.id)
        .where(Submission.user_id.in_(members(cohort)))
        .where(TestResult.status != "passed")
        .group_by(Submission.exercise_id, TestResult.name)
    ).all()
    hardest: dict[int, tuple[str, int]] = {}
    for exercise_id, name, count in failures:
        if count > hardest.get(exercise_id, ("", 0))[1]:
            hardest[exercise_id] = (name, count)
    stats = []
    for exercise in exercises:
        entries = per_exercise.get(exercise.id, [])
        solvers = [(as_datetime(s) - as_datetime(f)).total_seconds() / 60 for _, f, s in entries if s is not None]
        item = ExerciseStats(exercise, attempted=len(entries), solved=len(solvers))
        item.solve_rate = len(solvers) / len(learners) if learners else 0.0
        item.median_attempts = statistics.median(a for a, _, _ in entries) if entries else None
        item.median_minutes_to_solve = round(statistics.median(solvers), 1) if solvers else None
        item.hardest_test, item.hardest_test_failures = hardest.get(exercise.id, (None, 0))
        stats.append(item)
    return stats
