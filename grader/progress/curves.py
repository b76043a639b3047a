"""Points by sprint day: every learner's curve, the planned pace, and the cohort median with its middle half."""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, ScoreGain, User
from grader.people.calendar import sprint_day, sprint_length
from grader.progress.queries import members, raw_rows


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
    rows = raw_rows(
        session,
        select(ScoreGain.user_id, ScoreGain.day, func.sum(ScoreGain.gain))
        .where(ScoreGain.user_id.in_(members(cohort)))
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
