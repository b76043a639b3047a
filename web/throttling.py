"""Failed logins counted per account and per address in Redis (Flask-Limiter): past the limit, the login waits.

Only failures count: the limit is tested before the password is checked, and a hit is added only when the
answer says the login failed. The API's wrong tokens count against the address too. While Redis is down,
each process counts in its own memory (logged), so logging in keeps working.
"""

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from werkzeug.wrappers import Response

from grader.settings import Settings
from web import api
from web.forms import LoginForm

log = logging.getLogger(__name__)

LOGIN_ENDPOINT = "auth.login"
"""The view whose failed attempts are counted."""

REDIS_TIMEOUT_SECONDS = 2
"""How long a count in Redis may take before the login goes on without it."""


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Count failed logins (per email typed and per address) and the API's wrong tokens (per address)."""
    limiter = Limiter(
        key_func=_address,
        storage_uri=settings.redis_url,
        storage_options={
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
        },
        strategy="moving-window",  # wait until the oldest counted failure is a window old, not a clock boundary
        key_prefix=f"{settings.queue_name}-logins",
        # Redis down: count in this process's memory, with a warning, and look for Redis again now and then.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,
    )
    limiter.init_app(app)
    window = f"per {settings.login_window_minutes} minutes"
    login: Callable[..., Any] = app.view_functions[LOGIN_ENDPOINT]
    for amount, key in (
        (settings.login_failures_per_account, _account),
        (settings.login_failures_per_address, _address),
    ):
        login = limiter.limit(f"{amount} {window}", key_func=key, methods=["POST"], deduct_when=_login_failed)(login)
    app.view_functions[LOGIN_ENDPOINT] = login
    limiter.shared_limit(
        f"{settings.login_failures_per_address} {window}",
        scope="api-token",
        key_func=_address,
        deduct_when=lambda response: response.status_code == 401,  # only a missing, wrong or expired token
    )(api.bp)
    app.register_error_handler(RateLimitExceeded, lambda error: _wait(limiter, error))
    return limiter


def _account() -> str:
    """The account a login is for, as typed: unknown emails are counted too, so the answer says nothing of them."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def _address() -> str:
    """The client's address (the learner's, behind a TLS proxy with AUTOGRADER_HTTPS)."""
    return f"address:{request.remote_addr}"


def _login_failed(response: Response) -> bool:
    # The login page answers 400 when it did not log the person in, 302 when it did.
    return response.status_code == 400


def _wait(limiter: Limiter, error: RateLimitExceeded) -> ResponseReturnValue:
    """Too many failures: say how long to wait, kindly; a page for people, JSON for the API."""
    seconds = _seconds_left(limiter, error)
    minutes = math.ceil(seconds / 60)
    headers = {"Retry-After": str(seconds)}
    if request.path.startswith("/api/"):
        message = ngettext(
            "Too many calls with a wrong token. Wait %(num)d minute, then try again.",
            "Too many calls with a wrong token. Wait %(num)d minutes, then try again.",
            minutes,
        )
        return {"error": error.name, "message": message}, 429, headers
    log.warning("Logins from %s refused for %d minutes: too many failed", request.remote_addr, minutes)
    flash(
        ngettext(
            "Too many attempts to log in failed. Wait %(num)d minute, then try again. If you forgot your password, "
            "ask your coach: they can send you a link to choose a new one.",
            "Too many attempts to log in failed. Wait %(num)d minutes, then try again. If you forgot your password, "
            "ask your coach: they can send you a link to choose a new one.",
            minutes,
        ),
        "error",
    )
    return render_template("login.html", form=LoginForm()), 429, headers


def _seconds_left(limiter: Limiter, error: RateLimitExceeded) -> int:
    """Seconds until the breached limit lets one more attempt through."""
    breached = limiter.current_limit
    try:
        reset_time = breached.window.reset_time if breached is not None else time.time()
    except Exception:  # Redis went away since the count was read: say a whole window
        log.exception("Could not read when a login limit resets")
        reset_time = time.time() + error.limit.limit.get_expiry()
    return max(1, math.ceil(reset_time - time.time()))
