"""A cohort's own plan: which exercise is due by which sprint day, over the default from its week and day."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.grading.standings import move_on
from grader.messages import say
from grader.models import Cohort, Exercise, PlanEntry
from grader.people.calendar import default_due_day, sprint_length
from grader.people.cohorts import CohortError


def save_plan(session: Session, cohort: Cohort, changes: Mapping[int, int | None]) -> None:
    """Store the cohort's own due days; None, or the day its week and day give, leaves the default in force."""
    length = sprint_length(cohort)
    if any(day is not None and not 1 <= day <= length for day in changes.values()):
        raise CohortError(say("A due day must be a sprint day, from 1 to %(length)s.", length=length))
    exercises = session.scalars(select(Exercise).where(Exercise.id.in_(list(changes))))
    defaults = {exercise.id: default_due_day(cohort, exercise) for exercise in exercises}
    changes = {exercise_id: None if day == defaults.get(exercise_id) else day for exercise_id, day in changes.items()}
    existing = {
        entry.exercise_id: entry for entry in session.scalars(select(PlanEntry).where(PlanEntry.cohort_id == cohort.id))
    }
    move_on(cohort)
    for exercise_id, day in changes.items():
        entry = existing.get(exercise_id)
        if day is None:
            if entry is not None:
                session.delete(entry)
        elif entry is None:
            session.add(PlanEntry(cohort_id=cohort.id, exercise_id=exercise_id, due_day=day))
        else:
            entry.due_day = day
