"""A demo cohort, so a fresh install has people to log in as."""

import secrets

from sqlalchemy.orm import Session

from grader.accounts import create_user, find_user
from grader.models import Role

DEMO_PEOPLE = (
    ("coach@demo.test", "Demo Coach", Role.COACH),
    ("amina@demo.test", "Amina", Role.LEARNER),
    ("bram@demo.test", "Bram", Role.LEARNER),
    ("chloe@demo.test", "Chloé", Role.LEARNER),
)
"""The coach and three learners of the demo cohort."""


def seed_demo(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo people that are missing; return (email, role, password) of those created."""
    created = []
    for email, name, role in DEMO_PEOPLE:
        if find_user(session, email) is None:
            password = secrets.token_urlsafe(9)
            create_user(session, email=email, name=name, role=role, password=password)
            created.append((email, str(role), password))
    return created
