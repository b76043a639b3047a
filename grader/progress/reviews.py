"""Signals a coach has marked as seen: they stay quiet until what they rest on changes."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from grader.grading.standings import touch_cohort
from grader.models import Cohort, SignalReview, User, utcnow
from grader.progress.signals import Signal


@dataclass
class Seen:
    """A signal a coach marked as seen, with who did and when."""

    signal: Signal
    seen_at: datetime
    seen_by: str


def split_seen(session: Session, cohort: Cohort, found: list[Signal]) -> tuple[list[Signal], list[Seen]]:
    """The signals no coach has seen yet, and those seen whose evidence has not changed since."""
    reviews = {
        (review.user_id, review.kind, review.evidence): review
        for review in session.scalars(select(SignalReview).where(SignalReview.cohort_id == cohort.id))
    }
    if not reviews:
        return found, []
    coaches = dict(
        session.execute(select(User.id, User.name).where(User.id.in_({r.seen_by for r in reviews.values()}))).all()
    )
    new, seen = [], []
    for signal in found:
        review = reviews.get((signal.user_id, signal.kind, signal.evidence))
        if review is not None:
            seen.append(Seen(signal, review.seen_at, coaches.get(review.seen_by or 0, "?")))
        else:
            new.append(signal)
    return new, seen


def mark_seen(session: Session, cohort: Cohort, user_id: int, found: list[Signal], coach: User) -> int:
    """Record that the coach has seen the learner's signals as they are now; return how many."""
    own = [signal for signal in found if signal.user_id == user_id]
    session.execute(delete(SignalReview).where(SignalReview.cohort_id == cohort.id, SignalReview.user_id == user_id))
    session.add_all(
        SignalReview(
            cohort_id=cohort.id,
            user_id=user_id,
            kind=signal.kind,
            evidence=signal.evidence,
            seen_by=coach.id,
            seen_at=utcnow(),
        )
        for signal in {(signal.kind, signal.evidence): signal for signal in own}.values()
    )
    touch_cohort(session, cohort.id)
    return len(own)
