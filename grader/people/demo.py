"""A demo cohort, so a fresh install has people to log in as."""

import secrets
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.models import DEFAULT_TIME_ZONE, WORKING_WEEK, Cohort, Role
from grader.people.accounts import create_user, find_user
from grader.people.calendar import today_in
from grader.people.cohorts import create_cohort, enrol

DEMO_PEOPLE = (
    ("coach@demo.test", "Demo Coach", Role.COACH),
    ("amina@demo.test", "Amina", Role.LEARNER),
    ("bram@demo.test", "Bram", Role.LEARNER),
    ("chloe@demo.test", "Chloé", Role.LEARNER),
)
"""The coach and three learners of the demo cohort."""


DEMO_COHORT = "Demo cohort"


def seed_demo(session: Session, today: date | None = None) -> list[tuple[str, str, str]]:
    """Create the demo people and their cohort if missing; return (email, role, password) of those created."""
    created = []
    for email, name, role in DEMO_PEOPLE:
        if find_user(session, email) is None:
            password = secrets.token_urlsafe(9)
            create_user(session, email=email, name=name, role=role, password=password)
            created.append((email, str(role), password))
    if session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT)) is None:
        today = today or today_in(DEFAULT_TIME_ZONE)
        monday = today - timedelta(days=today.weekday())  # the sprint began this week
        coach = find_user(session, DEMO_PEOPLE[0][0])
        if coach is None:  # never: made above; the check tells the type checker the coach exists
            return created
        cohort = create_cohort(session, name=DEMO_COHORT, start_date=monday, coach=coach, working_days=WORKING_WEEK)
        for email, name, _role in DEMO_PEOPLE[1:]:
            enrol(session, cohort, name=name, email=email, by=None)
    return created
