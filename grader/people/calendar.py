"""Sprint days: the working days of a cohort counted from its start, and the plan that hangs on them."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from grader.models import DEFAULT_TIME_ZONE, Cohort, CohortCoach, Enrollment, Exercise

SPRINT_WEEKS = 6
"""Weeks in a sprint."""


def local_date(timestamp: datetime, zone: str) -> date:
    """The date in the zone of a timestamp stored in UTC: a submission at 00:30 in Brussels counts for that day."""
    moment = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date()


def latest_cohort(what: Any, user_id: int, *, coached: bool = False) -> Select[Any]:
    """Select what (the cohort, or a column of it) of the person's most recent cohort: one they learn in, or coach."""
    membership = CohortCoach if coached else Enrollment
    return (
        select(what)
        .join(membership, membership.cohort_id == Cohort.id)
        .where(membership.user_id == user_id)
        .order_by(Cohort.start_date.desc())
        .limit(1)
    )


def time_zone_of(session: Session, user_id: int, *, coached: bool = False) -> str:
    """The zone of the person's most recent cohort, whose days their points count on; Brussels without one."""
    return session.scalar(latest_cohort(Cohort.time_zone, user_id, coached=coached)) or DEFAULT_TIME_ZONE


def today_in(zone: str) -> date:
    """Today's date in the zone."""
    return datetime.now(ZoneInfo(zone)).date()


def is_working_day(cohort: Cohort, day: date) -> bool:
    """Whether the date is one of the cohort's working days."""
    return day.isoweekday() in cohort.working_days


def sprint_day(cohort: Cohort, day: date) -> int:
    """The number of working days from the start up to and including day; 0 before the start."""
    if day < cohort.start_date:
        return 0
    days = (day - cohort.start_date).days + 1
    whole_weeks, rest = divmod(days, 7)
    count = whole_weeks * len(cohort.working_days)
    for offset in range(rest):
        if is_working_day(cohort, cohort.start_date + timedelta(days=whole_weeks * 7 + offset)):
            count += 1
    return count


def working_days_between(cohort: Cohort, earlier: date, later: date) -> int:
    """Working days after earlier, up to and including later."""
    return max(0, sprint_day(cohort, later) - sprint_day(cohort, earlier))


def next_working_day(day: date, working_days: list[int]) -> date:
    """The day itself when it is one of the working days (ISO weekdays), else the next one that is."""
    for offset in range(7):
        if (day + timedelta(days=offset)).isoweekday() in working_days:
            return day + timedelta(days=offset)
    raise ValueError("no working days")


def last_day(cohort: Cohort) -> date:
    """The date of the sprint's last day."""
    length, day = sprint_length(cohort), cohort.start_date
    counted = 1 if is_working_day(cohort, day) else 0
    while counted < length:
        day += timedelta(days=1)
        counted += is_working_day(cohort, day)
    return day


def sprint_length(cohort: Cohort) -> int:
    """The number of sprint days in the whole sprint."""
    return SPRINT_WEEKS * len(cohort.working_days)


def default_due_day(cohort: Cohort, exercise: Exercise) -> int:
    """The sprint day an exercise is expected by, from its week and day."""
    per_week = len(cohort.working_days)
    return (exercise.week - 1) * per_week + min(exercise.day, per_week)


def plan(cohort: Cohort, exercises: list[Exercise], overrides: dict[int, int]) -> dict[int, int]:
    """Exercise id → the sprint day it is due, the cohort's own plan over the default."""
    return {exercise.id: overrides.get(exercise.id, default_due_day(cohort, exercise)) for exercise in exercises}
