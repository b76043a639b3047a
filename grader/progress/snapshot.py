"""Everything the cohort page shows, gathered from a handful of aggregate queries over the read models."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from grader.models import Cohort, Exercise, User
from grader.progress.cache import ProgressCache
from grader.progress.curves import CohortProgress, cohort_progress
from grader.progress.matrix import Cell, matrix
from grader.progress.queries import exercises_in_plan, learners_of
from grader.progress.reviews import Seen, split_seen
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
    """Every signal, seen or not."""
    attention: list[Attention] = field(default_factory=list)
    """The signals no coach has seen yet, as one row per learner."""
    seen: list[Seen] = field(default_factory=list)
    """Signals a coach marked as seen whose evidence has not changed."""


@dataclass(frozen=True)
class _Computed:
    """The costly part of a snapshot, plain values only, so it can outlive its database session in a cache."""

    progress: CohortProgress
    matrix: dict[tuple[int, int], Cell]
    signals: list[Signal]
    attention: list[Attention]
    seen: list[Seen]


def snapshot(
    session: Session, cohort: Cohort, today: date, *, with_matrix: bool = True, cache: ProgressCache | None = None
) -> Snapshot:
    """All the cohort page needs; with a cache, computed once per change of the cohort (its generation)."""
    learners = learners_of(session, cohort)
    exercises, due = exercises_in_plan(session, cohort)

    def compute() -> _Computed:
        progress = cohort_progress(session, cohort, learners, exercises, due, today)
        found = signals(session, cohort, learners, progress, today)
        new, seen = split_seen(session, cohort, found)
        cells = matrix(session, cohort) if with_matrix else {}
        return _Computed(progress, cells, found, by_learner(new), seen)

    key = ("snapshot", cohort.id, cohort.created_at, cohort.generation, today, with_matrix)
    computed = cache.get(key, compute) if cache is not None else compute()
    return Snapshot(
        cohort,
        exercises,
        due,
        learners,
        computed.progress,
        computed.matrix,
        computed.signals,
        computed.attention,
        computed.seen,
    )
