"""Users, passwords and sessions; the digest of tokens (API tokens live in tokens.py, invites in invites.py)."""

import hashlib
import re
import secrets
from functools import cache

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from grader.messages import Message, Refusal, say
from grader.models import Role, User

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
"""Shortest password accepted for a new account."""


def role_name(role: str) -> Message:
    """The name of a role in words a person reads (the site translates it)."""
    names: dict[str, Message] = {
        Role.LEARNER: say("learner"),
        Role.COACH: say("coach"),
        Role.AUTHOR: say("author"),
        Role.ADMIN: say("admin"),
    }
    return names.get(role) or Message(str(role))  # a role of a newer version: its own name


class AccountError(Refusal):
    """A user cannot be created as asked; the message says why."""


def create_user(session: Session, *, email: str, name: str, role: str, password: str) -> User:
    """Add a user with a hashed password; refuse a bad email, role, name or password."""
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise AccountError(say("'%(email)s' is not an email address.", email=email))
    if role not in set(Role):
        raise AccountError(say("The role must be one of: %(roles)s.", roles=", ".join(Role)))
    if not name.strip():
        raise AccountError(say("The name is empty."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(say("Choose a password of at least %(count)s characters.", count=MIN_PASSWORD_LENGTH))
    if find_user(session, email) is not None:
        raise AccountError(say("A user with email %(email)s exists already.", email=email))
    user = User(email=email, name=name.strip(), role=Role(role), password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    """The user with this email, in any letter case."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None.

    An unknown email, or an account whose password was never chosen, costs the same hashing as a
    wrong password: how long the answer takes must not say which emails have accounts.
    """
    user = find_user(session, email)
    real = user is not None and user.password_hash.count("$") >= 2  # werkzeug's method$salt$hash
    matches = check_password_hash(user.password_hash if real and user else _dummy_hash(), password)
    return user if real and matches else None


@cache
def _dummy_hash() -> str:
    """A hash of a random password, made once, checked when there is no real hash to check."""
    return generate_password_hash(secrets.token_urlsafe(16))


def end_sessions(session: Session, user: User) -> None:
    """End every session of the user (each browser must log in again), when the password changes or they ask."""
    # Moved on in SQL, never from a number read earlier: two requests at once both end what came before.
    session.execute(update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1))
    session.expire(user, ["session_epoch"])


def digest_token(token: str) -> str:
    """The stored form of a random token (API tokens, invites)."""
    # Tokens are long random strings, so a fast hash suffices (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()
