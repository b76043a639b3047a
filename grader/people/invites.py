"""Invites: a one-time link that lets a new learner choose their password; only its digest is stored."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from grader.messages import Refusal, say
from grader.models import Invite, User, utcnow
from grader.people.accounts import MIN_PASSWORD_LENGTH, digest_token


class InviteError(Refusal):
    """The invite cannot be accepted as asked; the message says why."""


def create_invite(session: Session, user: User) -> str:
    """A new one-time invite token for the user; only its digest is stored."""
    token = secrets.token_urlsafe(24)
    session.add(Invite(user_id=user.id, digest=digest_token(token)))
    return token


def invite_for(session: Session, token: str) -> Invite | None:
    """The unused invite with this token, or None."""
    invite = session.scalar(select(Invite).where(Invite.digest == digest_token(token)))
    return invite if invite is not None and invite.used_at is None else None


def accept_invite(session: Session, invite: Invite, password: str) -> User:
    """Set the invited learner's password, once."""
    if invite.used_at is not None:
        raise InviteError(say("This link was used already. Log in, or ask your coach for a new link."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InviteError(say("Choose a password of at least %(count)s characters.", count=MIN_PASSWORD_LENGTH))
    invite.user.password_hash = generate_password_hash(password)
    invite.used_at = utcnow()
    return invite.user
