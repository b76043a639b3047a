"""A person's own account: their API tokens (made, listed, revoked) and ending every session of theirs."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required, logout_user

from grader.people.accounts import end_sessions
from grader.people.tokens import create_token, revoke_token, tokens_of
from web.context import db_session, settings

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@login_required
def show() -> ResponseReturnValue:
    """The person's API tokens and the button that logs out on every device."""
    return _page()


@bp.post("/tokens")
@login_required
def make_token() -> ResponseReturnValue:
    """Make a new API token and show it, once, on the page itself (never in a cookie or an address)."""
    token = create_token(db_session(), current_user)
    db_session().commit()
    return _page(new_token=token), 201


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of the person's own tokens; scripts using it get 401 from now on."""
    if not revoke_token(db_session(), current_user, token_id):
        abort(404)
    db_session().commit()
    flash(gettext("The token is revoked: scripts that use it can no longer reach the site."))
    return redirect(url_for(".show"))


@bp.post("/sessions/end")
@login_required
def end_every_session() -> ResponseReturnValue:
    """Log out on every device, this one too: every browser logged in as this person must log in again."""
    end_sessions(db_session(), current_user)
    db_session().commit()
    logout_user()
    flash(gettext("You are logged out on every device. Log in again here."))
    return redirect(url_for("auth.login"))


def _page(new_token: str | None = None) -> str:
    days = settings().token_days
    tokens = tokens_of(db_session(), current_user, timedelta(days=days))
    return render_template("account.html", tokens=tokens, token_days=days, new_token=new_token)
