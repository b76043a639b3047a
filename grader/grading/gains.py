"""Keep the score_gains read model in step with graded submissions."""

from collections import defaultdict
from collections.abc import Collection
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from grader.models import ScoreGain, Submission
from grader.people.calendar import local_date, time_zone_of


def rebuild_gains(session: Session, user_id: int, exercise_id: int) -> None:
    """Recompute one learner's daily gains on one exercise from its graded submissions (a regrade may lower them).

    The caller holds the learner (grader.grading.turns), so no other transaction rebuilds them meanwhile.
    """
    rows = session.execute(
        select(Submission.created_at, Submission.score, Submission.max_score)
        .where(
            Submission.user_id == user_id,
            Submission.exercise_id == exercise_id,
            Submission.score.is_not(None),  # a submission waiting for its regrade keeps its last score meanwhile
        )
        .order_by(Submission.created_at)
    ).all()
    zone = time_zone_of(session, user_id)
    gains: dict[date, float] = defaultdict(float)
    best = 0.0
    for created_at, score, max_score in rows:
        capped = min(float(score or 0.0), float(max_score))
        if capped > best:
            gains[local_date(created_at, zone)] += capped - best
            best = capped
    session.execute(delete(ScoreGain).where(ScoreGain.user_id == user_id, ScoreGain.exercise_id == exercise_id))
    if gains:
        session.execute(
            insert(ScoreGain),
            [{"user_id": user_id, "exercise_id": exercise_id, "day": day, "gain": gain} for day, gain in gains.items()],
        )


def rebuild_all_gains(session: Session, user_ids: Collection[int] | None = None) -> int:
    """Recompute every pair's gains (or those of these learners), as after their zone changed; return how many pairs.

    Hold these learners first (grader.grading.turns); without user_ids, run only while nothing else writes (an upgrade).
    """
    query = select(Submission.user_id, Submission.exercise_id).distinct()
    if user_ids is not None:
        query = query.where(Submission.user_id.in_(user_ids))
    pairs = session.execute(query).all()
    for user_id, exercise_id in pairs:
        rebuild_gains(session, user_id, exercise_id)
    return len(pairs)
