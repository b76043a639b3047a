"""The web site: learners submit and read results; coaches follow cohorts; the JSON API serves scripts."""

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from grader.instance import kept_secret
from grader.services import Services
from grader.settings import INSTANCE_DIR, load_settings
from web import (
    account,
    api,
    auth,
    authors,
    coach,
    context,
    errors,
    exercises,
    i18n,
    markdown,
    metrics,
    security,
    submissions,
    throttling,
)

MAX_REQUEST_BYTES = 2_000_000
"""Largest request body accepted; anything bigger is answered with 413 before it is read."""

csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from AUTOGRADER_* settings, or from test_config (with SETTINGS or SERVICES) in the tests."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_SAMESITE="Lax",
        # A form's token lives as long as the session: a page left open for an hour must not lose the code on it.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(test_config or {})
    services: Services = app.config.pop("SERVICES", None) or Services.build(
        app.config.pop("SETTINGS", None) or load_settings()
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = services.settings.secret_key or kept_secret(INSTANCE_DIR / "secret_key")
    if services.settings.https:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")

    context.init_app(app, services)
    security.init_app(app, https=services.settings.https)
    csrf.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    markdown.init_app(app)
    for blueprint in (auth.bp, account.bp, exercises.bp, submissions.bp, api.bp, authors.bp, coach.bp, metrics.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)  # the API authenticates each request with a bearer token, not a cookie
    throttling.init_app(app, services.settings)
    return app
