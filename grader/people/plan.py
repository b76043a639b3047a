"""A cohort's own plan: which exercise is due by which sprint day, over the default from its week and day."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, PlanEntry
from grader.people.calendar import default_due_day, sprint_length


def read_plan_form(cohort: Cohort, exercises: list[Exercise], form) -> dict[int, int | None]:
    """Exercise id → the due day asked for, or None for the default; raise ValueError naming the first bad field."""
    length = sprint_length(cohort)
    changes: dict[int, int | None] = {}
    for exercise in exercises:
        raw = str(form.get(f"due-{exercise.id}", "")).strip()
        if not raw:
            changes[exercise.id] = None
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= length:
            raise ValueError(
                f"the day for '{exercise.title}' must be a whole number from 1 to {length}, not '{raw[:20]}'"
            )
        day = int(raw)
        changes[exercise.id] = None if day == default_due_day(cohort, exercise) else day
    return changes


def save_plan(session: Session, cohort: Cohort, changes: dict[int, int | None]) -> None:
    """Store the cohort's own due days; None removes an override, so the default applies again."""
    existing = {
        entry.exercise_id: entry for entry in session.scalars(select(PlanEntry).where(PlanEntry.cohort_id == cohort.id))
    }
    for exercise_id, day in changes.items():
        entry = existing.get(exercise_id)
        if day is None:
            if entry is not None:
                session.delete(entry)
        elif entry is None:
            session.add(PlanEntry(cohort_id=cohort.id, exercise_id=exercise_id, due_day=day))
        else:
            entry.due_day = day
