"""Everything the cohort page shows, gathered from a handful of aggregate queries."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, User
from grader.progress.curves import CohortProgress, cohort_progress
from grader.progress.matrix import Cell, matrix
from grader.progress.queries import exercises_in_plan, learners_of
from grader.progress.signals import Attention, Signal, by_learner, signals


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
    attention: list[Attention] = field(default_factory=list)
    """The signals as one row per learner."""


def snapshot(session: Session, cohort: Cohort, today: date, *, with_matrix: bool = True) -> Snapshot:
    """All the cohort page needs, from a handful of aggregate queries."""
    learners = learners_of(session, cohort)
    exercises, due = exercises_in_plan(session, cohort)
    progress = cohort_progress(session, cohort, learners, exercises, due, today)
    result = Snapshot(cohort, exercises, due, learners, progress)
    if with_matrix:
        result.matrix = matrix(session, cohort)
    result.signals = signals(session, cohort, learners, progress, today)
    result.attention = by_learner(result.signals)
    return result
