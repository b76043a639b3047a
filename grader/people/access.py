"""Who may see what: the one place the rules of access are written, as questions over the database.

A learner sees their own submissions; a coach sees the cohorts they coach and the work of the learners enrolled
in them; an author sees their own submissions (their reference runs) and the authors' pages; an admin sees
everything. The site answers 404 to anything else, so others' ids reveal nothing.
"""

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from grader.models import Cohort, CohortCoach, Enrollment, Role, Submission, User

COACH_ROLES = frozenset({Role.COACH, Role.ADMIN})
"""Roles that may open the coach's pages (a coach there sees only the cohorts they coach)."""

AUTHOR_ROLES = frozenset({Role.AUTHOR, Role.ADMIN})
"""Roles that may open the authors' pages: every exercise, its last check, its reference run and regrade."""


def coaches_cohort(session: Session, user: User, cohort_id: int) -> bool:
    """Whether the user coaches the cohort: an admin coaches every cohort, a coach those they were given."""
    if user.role == Role.ADMIN:
        return True
    # A coach whose role was taken away keeps their rows, but no longer their cohorts.
    return user.role == Role.COACH and session.get(CohortCoach, (cohort_id, user.id)) is not None


def cohorts_of_coach(session: Session, user: User) -> list[Cohort]:
    """The cohorts this user may see as a coach: their own (every cohort for an admin, none for others)."""
    query = select(Cohort).order_by(Cohort.start_date.desc(), Cohort.name)
    if user.role == Role.ADMIN:
        return list(session.scalars(query))
    if user.role != Role.COACH:
        return []
    return list(
        session.scalars(
            query.join(CohortCoach, CohortCoach.cohort_id == Cohort.id).where(CohortCoach.user_id == user.id)
        )
    )


def in_cohort(session: Session, cohort_id: int, learner_id: int) -> bool:
    """Whether the learner is enrolled in the cohort."""
    return session.get(Enrollment, (cohort_id, learner_id)) is not None


def coaches_learner(session: Session, user: User, learner_id: int) -> bool:
    """Whether the user coaches a cohort the learner is enrolled in (an admin coaches everyone)."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.COACH:
        return False
    return bool(
        session.scalar(
            select(
                exists()
                .where(Enrollment.user_id == learner_id)
                .where(CohortCoach.cohort_id == Enrollment.cohort_id, CohortCoach.user_id == user.id)
            )
        )
    )


def can_see_submission(session: Session, user: User, submission: Submission) -> bool:
    """Whether the user may read the submission: their own, a learner's they coach, or any for an admin."""
    return submission.user_id == user.id or coaches_learner(session, user, submission.user_id)


def in_cohort_not_coached_by(session: Session, user: User, learner_id: int) -> bool:
    """Whether the learner is enrolled in a cohort this user does not coach (an admin coaches every cohort)."""
    if user.role == Role.ADMIN:
        return False
    elsewhere = exists().where(Enrollment.user_id == learner_id)
    if user.role == Role.COACH:  # anyone else coaches no cohort: every cohort is another's
        theirs = select(CohortCoach.cohort_id).where(CohortCoach.user_id == user.id)
        elsewhere = elsewhere.where(Enrollment.cohort_id.not_in(theirs))
    return bool(session.scalar(select(elsewhere)))


def may_enrol(session: Session, user: User, learner_id: int) -> bool:
    """Whether a coach may add this existing learner to a cohort of theirs, which shows them the learner's work.

    Someone in no cohort, or only in cohorts of this coach, may be added; someone in another coach's cohort
    only by an admin, so no coach reads another cohort's history by knowing an email address.
    """
    return not in_cohort_not_coached_by(session, user, learner_id)
