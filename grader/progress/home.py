"""A learner's own picture: their curve against pace and the cohort median, their streak and next exercise."""

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, Outcome, Submission, User
from grader.people.calendar import sprint_day
from grader.people.cohorts import cohort_of_learner
from grader.progress.cache import ProgressCache
from grader.progress.curves import CohortProgress, Curve, cohort_progress
from grader.progress.queries import as_date, exercises_in_plan, learners_of


@dataclass
class LearnerHome:
    """A learner's own picture: their curve against pace and the cohort median, streak and next exercise."""

    cohort: Cohort
    progress: CohortProgress
    own: Curve
    streak: int
    next_exercise: Exercise | None
    due_day: int | None


def learner_home(
    session: Session, cohort: Cohort, user: User, today: date, cache: ProgressCache | None = None
) -> LearnerHome:
    """The learner's home page data; other learners appear only inside the median and spread."""
    exercises, due = exercises_in_plan(session, cohort)

    def compute() -> CohortProgress:
        return cohort_progress(session, cohort, learners_of(session, cohort), exercises, due, today)

    key = ("progress", cohort.id, cohort.created_at, cohort.generation, today)
    everyone = cache.get(key, compute) if cache is not None else compute()
    own = next((curve for curve in everyone.curves if curve.user_id == user.id), Curve(user.id, user.name, []))
    progress = replace(everyone, curves=[])  # never hand other learners' curves to a learner's page
    upcoming = _first_unsolved(session, user, exercises)
    return LearnerHome(
        cohort, progress, own, streak(session, cohort, user, today), upcoming, due[upcoming.id] if upcoming else None
    )


def next_to_do(session: Session, user: User) -> Exercise | None:
    """The first exercise the learner has not solved, in their cohort's plan order (week and day without one)."""
    cohort = cohort_of_learner(session, user)
    if cohort is not None:
        exercises, _due = exercises_in_plan(session, cohort)
    else:
        exercises = list(session.scalars(select(Exercise).order_by(Exercise.week, Exercise.day, Exercise.title)))
    return _first_unsolved(session, user, exercises)


def _first_unsolved(session: Session, user: User, exercises: list[Exercise]) -> Exercise | None:
    solved = set(
        session.scalars(
            select(Submission.exercise_id).where(Submission.user_id == user.id, Submission.outcome == Outcome.PASSED)
        )
    )
    return next((exercise for exercise in exercises if exercise.id not in solved), None)


def streak(session: Session, cohort: Cohort, user: User, today: date) -> int:
    """Working days in a row, up to today (or yesterday, if today has none yet), with a submission."""
    active = {
        sprint_day(cohort, as_date(moment, cohort.time_zone))
        for moment in session.scalars(select(Submission.created_at).where(Submission.user_id == user.id))
    }
    day = sprint_day(cohort, today)
    if day not in active:
        day -= 1
    count = 0
    while day >= 1 and day in active:
        count += 1
        day -= 1
    return count
