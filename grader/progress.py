"""Progress of a cohort: points by sprint day, the plan, the matrix, at-risk signals and exercise statistics.

Every figure starts from an aggregate computed by the database (GROUP BY, window functions),
never from every submission loaded into Python: a cohort of hundreds with tens of thousands of
submissions stays fast.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, load_only

from grader.calendar import plan, sprint_day, sprint_length, working_days_between
from grader.models import (
    Cohort,
    Enrollment,
    Exercise,
    Outcome,
    PlanEntry,
    ScoreGain,
    Status,
    Submission,
    TestResult,
    User,
)

STUCK_LOOKBACK = timedelta(hours=24)
"""How far back stuck signals look: coaches act on who is stuck now, not last week."""


@dataclass
class Curve:
    """Cumulative points of one learner at the end of each sprint day, day 1 first."""

    user_id: int
    name: str
    points: list[float]


@dataclass
class CohortProgress:
    """Everything the cohort page draws: days so far, curves, pace, median and spread."""

    today: int
    length: int
    pace: list[float]
    curves: list[Curve]
    median: list[float]
    lower: list[float]
    upper: list[float]


@dataclass
class Signal:
    """Why a learner needs a coach's attention, in words."""

    user_id: int
    name: str
    kind: str
    reason: str


class Cell(NamedTuple):
    """One learner on one exercise."""

    attempts: int
    solved: bool
    best: float | None


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


@dataclass
class Snapshot:
    """The cohort page's data: exercises in plan order, learners, progress, matrix and signals."""

    cohort: Cohort
    exercises: list[Exercise]
    due: dict[int, int]
    learners: list[User]
    progress: CohortProgress
    matrix: dict[tuple[int, int], Cell] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)


def learners_of(session: Session, cohort: Cohort) -> list[User]:
    """The cohort's learners, by name."""
    return list(
        session.scalars(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.cohort_id == cohort.id)
            .order_by(User.name, User.id)
        )
    )


def exercises_in_plan(session: Session, cohort: Cohort) -> tuple[list[Exercise], dict[int, int]]:
    """Every exercise with the sprint day it is due, in plan order."""
    # Only the columns progress needs: the tests and statements are large JSON and text.
    columns = (Exercise.id, Exercise.slug, Exercise.title, Exercise.week, Exercise.day, Exercise.max_score)
    exercises = list(session.scalars(select(Exercise).options(load_only(*columns))))
    overrides = dict(
        session.execute(select(PlanEntry.exercise_id, PlanEntry.due_day).where(PlanEntry.cohort_id == cohort.id)).all()
    )
    due = plan(cohort, exercises, overrides)
    exercises.sort(key=lambda exercise: (due[exercise.id], exercise.title))
    return exercises, due


def snapshot(session: Session, cohort: Cohort, today: date, *, with_matrix: bool = True) -> Snapshot:
    """All the cohort page needs, from a handful of aggregate queries."""
    learners = learners_of(session, cohort)
    exercises, due = exercises_in_plan(session, cohort)
    progress = cohort_progress(session, cohort, learners, exercises, due, today)
    result = Snapshot(cohort, exercises, due, learners, progress)
    if with_matrix:
        result.matrix = matrix(session, cohort)
    result.signals = signals(session, cohort, learners, progress, today)
    return result


def cohort_progress(
    session: Session, cohort: Cohort, learners: list[User], exercises: list[Exercise], due: dict[int, int], today: date
) -> CohortProgress:
    """Curves of every learner, the planned pace, and the median with its spread, by sprint day."""
    length = max(sprint_length(cohort), max(due.values(), default=0))
    today_day = min(sprint_day(cohort, today), length)
    pace = _pace(exercises, due, length)
    earned = _earned_by_day(session, cohort, today_day)
    curves = [Curve(user.id, user.name, earned.get(user.id, [0.0] * today_day)) for user in learners]
    median, lower, upper = [], [], []
    for day in range(today_day):
        values = sorted(curve.points[day] for curve in curves)
        if not values:
            break
        median.append(statistics.median(values))
        quartiles = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
        lower.append(quartiles[0])
        upper.append(quartiles[2])
    return CohortProgress(today_day, length, pace, curves, median, lower, upper)


def _pace(exercises: list[Exercise], due: dict[int, int], length: int) -> list[float]:
    per_day = [0.0] * (length + 1)
    for exercise in exercises:
        per_day[min(due[exercise.id], length)] += exercise.max_score
    pace, total = [], 0.0
    for day in range(1, length + 1):
        total += per_day[day]
        pace.append(round(total, 2))
    return pace


def _earned_by_day(session: Session, cohort: Cohort, days: int) -> dict[int, list[float]]:
    """Learner → cumulative points at the end of each sprint day, summed from the score_gains read model."""
    if days <= 0:
        return {}
    rows = _raw_rows(
        session,
        select(ScoreGain.user_id, ScoreGain.day, func.sum(ScoreGain.gain))
        .where(ScoreGain.user_id.in_(_members(cohort)))
        .group_by(ScoreGain.user_id, ScoreGain.day),
    )
    day_of: dict = {}
    deltas: dict[int, list[float]] = defaultdict(lambda: [0.0] * (days + 1))
    for user_id, day, gain in rows:
        if day not in day_of:
            day_of[day] = sprint_day(cohort, date.fromisoformat(str(day)[:10]))
        number = day_of[day]
        if number <= days:  # later days are still to come; gains before the start count on day 1
            deltas[user_id][max(number, 1)] += float(gain)
    curves = {}
    for user_id, per_day in deltas.items():
        total, points = 0.0, []
        for number in range(1, days + 1):
            total += per_day[number]
            points.append(round(total, 2))
        curves[user_id] = points
    return curves


def _raw_rows(session: Session, query) -> list[tuple]:
    """Rows straight from the database driver, without SQLAlchemy's per-row processing.

    For the few queries that return tens of thousands of plain numbers; dates may come back as
    text (SQLite) or as dates (PostgreSQL), so callers accept both.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    return connection.exec_driver_sql(str(compiled)).all()


def _members(cohort: Cohort):
    """The ids of the cohort's learners, as a subquery: lets the covering indexes do the work."""
    return select(Enrollment.user_id).where(Enrollment.cohort_id == cohort.id)


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
        .where(Submission.user_id.in_(_members(cohort)))
        .group_by(Submission.user_id, Submission.exercise_id)
    )
    # Raw rows: a big cohort has tens of thousands of cells.
    make = Cell._make  # solved arrives as 0 or 1, which reads as false or true
    return {(row[0], row[1]): make(row[2:]) for row in _raw_rows(session, query)}


def signals(
    session: Session, cohort: Cohort, learners: list[User], progress: CohortProgress, today: date
) -> list[Signal]:
    """Learners who have gone quiet, are stuck, or are behind the plan, each with the reason in words."""
    names = {user.id: user.name for user in learners}
    found: list[Signal] = []
    if progress.today <= 0:
        return found  # the sprint has not started
    last_seen = dict(
        session.execute(
            select(Submission.user_id, func.max(Submission.created_at))
            .where(Submission.user_id.in_(_members(cohort)))
            .group_by(Submission.user_id)
        ).all()
    )
    for user in learners:
        seen = last_seen.get(user.id)
        if seen is None:
            quiet = working_days_between(cohort, cohort.start_date, today) + 1
            if quiet >= cohort.inactive_days:
                found.append(
                    Signal(user.id, user.name, "quiet", f"No submission yet, {quiet} working days into the sprint.")
                )
            continue
        quiet = working_days_between(cohort, _as_date(seen), today)
        if quiet >= cohort.inactive_days:
            found.append(
                Signal(
                    user.id,
                    user.name,
                    "quiet",
                    f"No submission for {quiet} working days (last on {_as_date(seen):%a %d %b}).",
                )
            )
    found += _stuck(session, cohort, names, today)
    for curve in progress.curves:
        planned = progress.pace[progress.today - 1] if progress.pace else 0.0
        earned = curve.points[-1] if curve.points else 0.0
        if planned - earned > cohort.behind_points:
            found.append(
                Signal(
                    curve.user_id,
                    curve.name,
                    "behind",
                    f"Behind the plan by {planned - earned:g} points "
                    f"({earned:g} of {planned:g} by day {progress.today}).",
                )
            )
    return found


def _stuck(session: Session, cohort: Cohort, names: dict[int, str], today: date) -> list[Signal]:
    """K failed attempts on one exercise within M minutes, or the same error K times, in the last day."""
    since = datetime.combine(today, datetime.max.time()) - STUCK_LOOKBACK
    ranked = (
        select(
            Submission.user_id,
            Submission.exercise_id,
            Submission.created_at,
            Submission.outcome,
            Submission.feedback,
            func.row_number()
            .over(partition_by=(Submission.user_id, Submission.exercise_id), order_by=Submission.created_at.desc())
            .label("rank"),
        )
        .where(Submission.user_id.in_(_members(cohort)))
        .where(Submission.created_at >= since, Submission.status == Status.GRADED)
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.user_id, ranked.c.exercise_id, ranked.c.created_at, ranked.c.outcome, ranked.c.feedback).where(
            ranked.c.rank <= cohort.stuck_attempts
        )
    ).all()
    recent: dict[tuple[int, int], list] = defaultdict(list)
    for user_id, exercise_id, created_at, outcome, feedback in rows:
        recent[(user_id, exercise_id)].append((created_at, outcome, feedback))
    titles = dict(session.execute(select(Exercise.id, Exercise.title)).all())
    found = []
    for (user_id, exercise_id), attempts in recent.items():
        if len(attempts) < cohort.stuck_attempts or any(outcome == Outcome.PASSED for _, outcome, _ in attempts):
            continue
        title = titles.get(exercise_id, "an exercise")
        feedbacks = {feedback for _, _, feedback in attempts}
        span = (max(a[0] for a in attempts) - min(a[0] for a in attempts)).total_seconds() / 60
        if len(feedbacks) == 1 and next(iter(feedbacks)):
            first_line = next(iter(feedbacks)).splitlines()[-1][:120]
            found.append(
                Signal(
                    user_id,
                    names.get(user_id, "?"),
                    "stuck",
                    f"The same error {len(attempts)} times in a row on '{title}': {first_line}",
                )
            )
        elif span <= cohort.stuck_minutes:
            found.append(
                Signal(
                    user_id,
                    names.get(user_id, "?"),
                    "stuck",
                    f"{len(attempts)} failed attempts on '{title}' within {max(1, round(span))} minutes.",
                )
            )
    return found


def exercise_stats(
    session: Session, cohort: Cohort, learners: list[User], exercises: list[Exercise]
) -> list[ExerciseStats]:
    """Solve rate, median attempts, median time to solve and the test failed most, per exercise."""
    solved_at = func.min(case((Submission.outcome == Outcome.PASSED, Submission.created_at)))
    rows = session.execute(
        select(Submission.exercise_id, func.count(), func.min(Submission.created_at), solved_at)
        .where(Submission.user_id.in_(_members(cohort)))
        .group_by(Submission.exercise_id, Submission.user_id)
    ).all()
    per_exercise: dict[int, list] = defaultdict(list)
    for exercise_id, attempts, first, solved in rows:
        per_exercise[exercise_id].append((attempts, first, solved))
    failures = session.execute(
        select(Submission.exercise_id, TestResult.name, func.count())
        .join(TestResult, TestResult.submission_id == Submission.id)
        .where(Submission.user_id.in_(_members(cohort)))
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
        solvers = [(_as_datetime(s) - _as_datetime(f)).total_seconds() / 60 for _, f, s in entries if s is not None]
        item = ExerciseStats(exercise, attempted=len(entries), solved=len(solvers))
        item.solve_rate = len(solvers) / len(learners) if learners else 0.0
        item.median_attempts = statistics.median(a for a, _, _ in entries) if entries else None
        item.median_minutes_to_solve = round(statistics.median(solvers), 1) if solvers else None
        item.hardest_test, item.hardest_test_failures = hardest.get(exercise.id, (None, 0))
        stats.append(item)
    return stats


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _as_date(value) -> date:
    return _as_datetime(value).date()


@dataclass
class LearnerHome:
    """A learner's own picture: their curve against pace and the cohort median, streak and next exercise."""

    cohort: Cohort
    progress: CohortProgress
    own: Curve
    streak: int
    next_exercise: Exercise | None
    due_day: int | None


def learner_home(session: Session, cohort: Cohort, user: User, today: date) -> LearnerHome:
    """The learner's home page data; other learners appear only inside the median and spread."""
    learners = learners_of(session, cohort)
    exercises, due = exercises_in_plan(session, cohort)
    progress = cohort_progress(session, cohort, learners, exercises, due, today)
    own = next((curve for curve in progress.curves if curve.user_id == user.id), Curve(user.id, user.name, []))
    progress.curves = []  # never hand other learners' curves to a learner's page
    solved = set(
        session.scalars(
            select(Submission.exercise_id).where(Submission.user_id == user.id, Submission.outcome == Outcome.PASSED)
        )
    )
    upcoming = next((exercise for exercise in exercises if exercise.id not in solved), None)
    return LearnerHome(
        cohort, progress, own, streak(session, cohort, user, today), upcoming, due[upcoming.id] if upcoming else None
    )


def streak(session: Session, cohort: Cohort, user: User, today: date) -> int:
    """Working days in a row, up to today (or yesterday, if today has none yet), with a submission."""
    active = {
        sprint_day(cohort, _as_date(day))
        for day in session.scalars(
            select(func.date(Submission.created_at)).where(Submission.user_id == user.id).distinct()
        )
    }
    day = sprint_day(cohort, today)
    if day not in active:
        day -= 1
    count = 0
    while day >= 1 and day in active:
        count += 1
        day -= 1
    return count
