"""Invites: a one-time link that lets a learner choose their password (again); only its digest is stored."""

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from grader.messages import Message, Refusal, say
from grader.models import Invite, User, utcnow
from grader.people.accounts import MIN_PASSWORD_LENGTH, digest_token, end_sessions


class InviteError(Refusal):
    """The invite cannot be accepted as asked; the message says why."""


def create_invite(session: Session, user: User) -> str:
    """A new one-time invite token for the user; only its digest is stored."""
    token = secrets.token_urlsafe(24)
    session.add(Invite(user_id=user.id, digest=digest_token(token)))
    return token


def reissue_invite(session: Session, user: User) -> str:
    """A new one-time link for someone who lost theirs or their password; every earlier unused link dies."""
    for earlier in session.scalars(select(Invite).where(Invite.user_id == user.id, Invite.used_at.is_(None))):
        session.delete(earlier)
    session.flush()
    return create_invite(session, user)


def invite_for(session: Session, token: str) -> Invite | None:
    """The invite with this token, used or not, or None if there is none."""
    return session.scalar(select(Invite).where(Invite.digest == digest_token(token)))


def invite_problem(invite: Invite, valid_for: timedelta) -> Message | None:
    """Why the invite can no longer be used, or None."""
    if invite.used_at is not None:
        return say("This link was used already. Log in, or ask your coach for a new link.")
    if utcnow() - invite.created_at > valid_for:
        return say("This link has expired. Ask your coach for a new one.")
    return None


def accept_invite(session: Session, invite: Invite, password: str, valid_for: timedelta) -> User:
    """Set the invited learner's password, once, while the link is valid."""
    problem = invite_problem(invite, valid_for)
    if problem is not None:
        raise InviteError(problem)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InviteError(say("Choose a password of at least %(count)s characters.", count=MIN_PASSWORD_LENGTH))
    invite.user.password_hash = generate_password_hash(password)
    end_sessions(session, invite.user)  # a new password ends the sessions logged in with the old one
    invite.used_at = utcnow()
    return invite.user
