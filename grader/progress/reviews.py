"""Signals a coach has marked as seen: they stay quiet until what they rest on changes."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.grading.standings import touch_cohort
from grader.models import Cohort, SignalReview, User, utcnow
from grader.progress.signals import Signal

GROWING = {"behind"}
"""Kinds whose evidence is a number that grows as things get worse: seen, they stay quiet until it grows past it."""


@dataclass
class Seen:
    """A signal a coach marked as seen, with who did and when."""

    signal: Signal
    seen_at: datetime
    seen_by: str


def split_seen(session: Session, cohort: Cohort, found: list[Signal]) -> tuple[list[Signal], list[Seen]]:
    """The signals no coach has seen yet, and those seen whose evidence has not changed (or grown) since."""
    reviews: dict[tuple[int, str], list[SignalReview]] = defaultdict(list)
    for review in session.scalars(select(SignalReview).where(SignalReview.cohort_id == cohort.id)):
        reviews[(review.user_id, review.kind)].append(review)
    if not reviews:
        return found, []
    names = {review.seen_by for each in reviews.values() for review in each}
    coaches = dict(session.execute(select(User.id, User.name).where(User.id.in_(names))).all())
    new, seen = [], []
    for signal in found:
        covering = next((r for r in reviews.get((signal.user_id, signal.kind), []) if _covers(r, signal)), None)
        if covering is None:
            new.append(signal)
        else:
            seen.append(Seen(signal, covering.seen_at, coaches.get(covering.seen_by or 0, "?")))
    return new, seen


def mark_seen(
    session: Session,
    cohort: Cohort,
    user_id: int,
    found: list[Signal],
    shown: Collection[tuple[str, str]],
    coach: User,
) -> int:
    """Record that the coach has seen the learner's signals that were shown (kind, evidence) and still hold.

    A signal that appeared after the coach's page was drawn is not among those shown, so it stays new.
    """
    reviewed = {
        (kind, evidence)
        for kind, evidence in session.execute(
            select(SignalReview.kind, SignalReview.evidence).where(
                SignalReview.cohort_id == cohort.id, SignalReview.user_id == user_id
            )
        )
    }
    marked = {
        (signal.kind, signal.evidence)
        for signal in found
        if signal.user_id == user_id and (signal.kind, signal.evidence) in set(shown)
    }
    session.add_all(
        SignalReview(
            cohort_id=cohort.id, user_id=user_id, kind=kind, evidence=evidence, seen_by=coach.id, seen_at=utcnow()
        )
        for kind, evidence in marked - reviewed
    )
    if marked:
        touch_cohort(session, cohort.id)
    return len(marked)


def _covers(review: SignalReview, signal: Signal) -> bool:
    """Whether what the coach saw still covers the signal as it is now."""
    if signal.kind in GROWING:
        try:
            return int(signal.evidence) <= int(review.evidence)
        except ValueError:  # evidence of another form, from an older version
            return False
    return review.evidence == signal.evidence
