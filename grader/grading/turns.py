"""Writers of one learner's data take turns: each holds the learner's row first, then cohorts, then the rest.

Under PostgreSQL's READ COMMITTED two transactions rebuilding one learner's read models at once would each miss
the other's change and insert the same rows; two submissions sent at once would each count one too few. Holding
the learner's row makes the second wait for the first, then read what it wrote. Every writer takes the learner
before any cohort row (a verdict, an enrolment, a change of a cohort's days or zone), so none waits for another
in a circle. SQLite, with one writer at a time, gets the same order from its write lock.
"""

from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.orm import Session

from grader.models import User


def lock_learners(session: Session, user_ids: Collection[int]) -> None:
    """Hold these learners' rows until the transaction ends: a write that changes nothing, one row at a time in id
    order, so two writers of overlapping learners never each hold the other's next row."""
    # An unchanged key takes PostgreSQL's FOR NO KEY UPDATE: rows that merely refer to the learner are not held up.
    for user_id in sorted(set(user_ids)):
        session.execute(update(User).where(User.id == user_id).values(id=User.id))
