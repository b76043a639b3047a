"""API tokens: made for one user and shown once (only a digest is kept); they expire, can be revoked, note their use."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.messages import Refusal, say
from grader.models import ApiToken, User, utcnow
from grader.people.accounts import digest_token

USE_RESOLUTION = timedelta(minutes=5)
"""A token's last use is written at most this often: a script that calls every second does not write every second."""


class TokenRefused(Refusal):
    """The token cannot be used; the message says why."""


@dataclass(frozen=True)
class TokenSummary:
    """What its owner sees of a token: never the token itself."""

    id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    expired: bool


def create_token(session: Session, user: User) -> str:
    """Make a new API token for the user; the token itself is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, digest=digest_token(token)))
    session.flush()
    return token


def token_owner(session: Session, token: str, valid_for: timedelta) -> User:
    """The owner of a token that is known, not revoked and not older than valid_for, noting its use; else refuse."""
    row = session.scalar(select(ApiToken).where(ApiToken.digest == digest_token(token)))
    if row is None:
        raise TokenRefused(say("Send a valid API token as 'Authorization: Bearer TOKEN'."))
    if row.revoked_at is not None:
        raise TokenRefused(
            say("This API token was revoked on %(when)s. Make a new one on your account page.", when=row.revoked_at)
        )
    now = utcnow()
    expires_at = row.created_at + valid_for
    if now >= expires_at:
        raise TokenRefused(
            say("This API token expired on %(when)s. Make a new one on your account page.", when=expires_at)
        )
    if row.last_used_at is None or now - row.last_used_at >= USE_RESOLUTION:
        row.last_used_at = now
    return row.user


def tokens_of(session: Session, user: User, valid_for: timedelta) -> list[TokenSummary]:
    """The user's tokens that are not revoked, newest first, with when each expires."""
    now = utcnow()
    rows = session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    summaries = []
    for row in rows:
        expires_at = row.created_at + valid_for
        summaries.append(TokenSummary(row.id, row.created_at, row.last_used_at, expires_at, now >= expires_at))
    return summaries


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when the user has no such token that still works."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
