"""Logging in and out with a password, and who may see what."""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from grader.models import User
from grader.people.accounts import MIN_PASSWORD_LENGTH, authenticate
from grader.people.invites import InviteError, invite_for, invite_problem
from grader.people.invites import accept_invite as accept
from web.context import db_session, settings
from web.forms import InviteForm, LoginForm, filled, flash_errors
from web.i18n import translate
from web.redirects import safe_next

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please log in to continue.")
login_manager.localize_callback = str  # the lazy text becomes the reader's language when it is flashed


def init_app(app: Flask) -> None:
    """Let Flask-Login find users in the database."""
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, from 'id:epoch' in the session cookie; a session of an earlier epoch has ended."""
    number, _, epoch = user_id.partition(":")
    epoch = epoch or "0"  # a cookie from before sessions had epochs: the first epoch
    if not (number.isdigit() and epoch.isdigit()):
        return None
    user = db_session().get(User, int(number))
    return user if user is not None and user.session_epoch == int(epoch) else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form; log the person in when email and password match."""
    if current_user.is_authenticated:
        return redirect(url_for("exercises.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db_session(), filled(form.email.data), filled(form.password.data))
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        flash(gettext("That email and password do not match. Check them and try again."), "error")
    return render_template("login.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Log out and go back to the login page."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> ResponseReturnValue:
    """Let an invited learner choose their password, once, then log them in."""
    invite = invite_for(db_session(), token)
    if invite is None:
        abort(404, description=gettext("This invite link is not valid or was used already. Log in, or ask your coach."))
    valid_for = timedelta(days=settings().invite_days)
    problem = invite_problem(invite, valid_for)
    if problem is not None:  # used or expired: say so, and offer nothing else
        abort(410, description=translate(problem))
    form = InviteForm()
    if not form.validate_on_submit():
        flash_errors(form)
        page = render_template("invite.html", invite=invite, form=form, min_password_length=MIN_PASSWORD_LENGTH)
        return page, 400 if form.is_submitted() else 200
    try:
        user = accept(db_session(), invite, filled(form.password.data), valid_for)
    except InviteError as error:
        flash(translate(error.message), "error")
        return render_template("invite.html", invite=invite, form=form, min_password_length=MIN_PASSWORD_LENGTH), 400
    db_session().commit()
    login_user(user)
    flash(gettext("Your password is saved. Welcome!"))
    return redirect(url_for("exercises.index"))


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow a view only to users with one of these roles; others get 404, as if it did not exist."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorate
