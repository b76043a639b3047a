"""The queries every progress view starts from: a cohort's learners, its plan, and raw aggregate rows."""

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, load_only

from grader.models import Cohort, Enrollment, Exercise, PlanEntry, User
from grader.people.calendar import local_date, plan


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
    # Only the columns progress needs (translated titles too): the tests and statements are large JSON and text.
    columns = load_only(
        Exercise.id,
        Exercise.slug,
        Exercise.title,
        Exercise.translations,
        Exercise.week,
        Exercise.day,
        Exercise.max_score,
    )
    exercises = list(session.scalars(select(Exercise).options(columns)))
    overrides = dict(
        session.execute(select(PlanEntry.exercise_id, PlanEntry.due_day).where(PlanEntry.cohort_id == cohort.id)).all()
    )
    due = plan(cohort, exercises, overrides)
    exercises.sort(key=lambda exercise: (due[exercise.id], exercise.title))
    return exercises, due


def raw_rows(session: Session, query: Select) -> Sequence[Sequence]:
    """Rows straight from the database driver, without SQLAlchemy's per-row processing.

    For the few queries that return tens of thousands of plain numbers; dates may come back as
    text (SQLite) or as dates (PostgreSQL), so callers accept both.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # open while in use
    try:
        cursor.execute(str(compiled))
        return cursor.fetchall()
    finally:
        cursor.close()


def members(cohort: Cohort) -> Select:
    """The ids of the cohort's learners, as a subquery: lets the covering indexes do the work."""
    return select(Enrollment.user_id).where(Enrollment.cohort_id == cohort.id)


def as_datetime(value: datetime | str) -> datetime:
    """A timestamp as the driver returned it (text on SQLite, datetime on PostgreSQL)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def as_date(value: datetime | date | str, zone: str | None = None) -> date:
    """The date of a timestamp (stored in UTC) or date as the driver returned it, in the zone when one is given."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return local_date(as_datetime(value), zone) if zone else as_datetime(value).date()
