"""How a cohort fares on each exercise: solve rate, median attempts, median time to solve, the test failed most."""

import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, Outcome, Submission, TestResult, TestStatus, User
from grader.progress.queries import as_datetime, members


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
    # When each learner first solved each exercise; what came after does not count against the exercise.
    first_solve = (
        select(
            Submission.user_id.label("user_id"),
            Submission.exercise_id.label("exercise_id"),
            func.min(Submission.created_at).label("solved_at"),
        )
        .where(Submission.user_id.in_(members(cohort)), Submission.outcome == Outcome.PASSED)
        .group_by(Submission.user_id, Submission.exercise_id)
        .subquery()
    )
    joined = (Submission.user_id == first_solve.c.user_id) & (Submission.exercise_id == first_solve.c.exercise_id)
    before_solving = (first_solve.c.solved_at.is_(None)) | (Submission.created_at <= first_solve.c.solved_at)
    rows = session.execute(
        select(Submission.exercise_id, func.count(), func.min(Submission.created_at), first_solve.c.solved_at)
        .outerjoin(first_solve, joined)
        .where(Submission.user_id.in_(members(cohort)), before_solving)
        .group_by(Submission.exercise_id, Submission.user_id, first_solve.c.solved_at)
    ).all()
    per_exercise: dict[int, list] = defaultdict(list)
    for exercise_id, attempts, first, solved in rows:
        per_exercise[exercise_id].append((attempts, first, solved))
    # Failures of tests that ran (a syntax error runs none), in attempts before the first solve.
    failures = session.execute(
        select(Submission.exercise_id, TestResult.name, func.max(TestResult.description), func.count())
        .join(TestResult, TestResult.submission_id == Submission.id)
        .outerjoin(first_solve, joined)
        .where(Submission.user_id.in_(members(cohort)), before_solving)
        .where(TestResult.status.in_((TestStatus.FAILED, TestStatus.ERROR)))
        .group_by(Submission.exercise_id, TestResult.name)
    ).all()
    hardest: dict[int, tuple[str, int]] = {}
    for exercise_id, name, description, count in failures:
        if count > hardest.get(exercise_id, ("", 0))[1]:
            hardest[exercise_id] = (description or name, count)
    stats = []
    for exercise in exercises:
        entries = per_exercise.get(exercise.id, [])
        solvers = [(a, (as_datetime(s) - as_datetime(f)).total_seconds() / 60) for a, f, s in entries if s is not None]
        item = ExerciseStats(exercise, attempted=len(entries), solved=len(solvers))
        item.solve_rate = len(solvers) / len(learners) if learners else 0.0
        item.median_attempts = statistics.median(a for a, _ in solvers) if solvers else None
        item.median_minutes_to_solve = round(statistics.median(m for _, m in solvers), 1) if solvers else None
        item.hardest_test, item.hardest_test_failures = hardest.get(exercise.id, (None, 0))
        stats.append(item)
    return stats
