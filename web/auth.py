"""Logging in and out with a password, and who may see what."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from grader.models import User
from grader.people.accounts import authenticate
from grader.people.invites import InviteError, invite_for
from grader.people.invites import accept_invite as accept
from web.context import db_session

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def init_app(app) -> None:
    """Let Flask-Login find users in the database."""
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, from the id in the session cookie."""
    return db_session().get(User, int(user_id)) if user_id.isdigit() else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; log the person in when email and password match."""
    if current_user.is_authenticated:
        return redirect(url_for("exercises.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db_session(), form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match. Check them and try again.", "error")
    return render_template("login.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
@login_required
def logout():
    """Log out and go back to the login page."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """Let an invited learner choose their password, once, then log them in."""
    invite = invite_for(db_session(), token)
    if invite is None:
        abort(404, description="This invite link is not valid or was used already. Log in, or ask your coach.")
    if request.method == "POST":
        try:
            user = accept(db_session(), invite, request.form.get("password", ""))
        except InviteError as error:
            flash(str(error), "error")
            return render_template("invite.html", invite=invite), 400
        db_session().commit()
        login_user(user)
        flash("Your password is saved. Welcome!")
        return redirect(url_for("exercises.index"))
    return render_template("invite.html", invite=invite)


def roles_required(*roles: str):
    """Allow a view only to users with one of these roles; others get 404, as if it did not exist."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login page.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("exercises.index")
