"""Failed logins counted in the real Redis (each test's counts under its own queue name), per account and per
address; a wrong API token counts too; with Redis unreachable, logging in still works."""

import logging
from contextlib import contextmanager

import pytest

from grader.services import Services
from grader.settings import load_settings
from tests.factories import PASSWORD, free_port, make_token, make_user
from web import create_app

LIMITS = {"AUTOGRADER_LOGIN_FAILURES_PER_ACCOUNT": "3", "AUTOGRADER_LOGIN_FAILURES_PER_ADDRESS": "5"}


def log_in(client, email: str, password: str = PASSWORD, address: str = "192.0.2.10", **headers: str):
    """One POST to the login form from a client address; the client's cookies are dropped first."""
    client.delete_cookie("session")
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, headers=headers
    )


def test_a_learner_who_logs_in_fine_is_never_made_to_wait(app_with):
    app = app_with(**LIMITS)
    learner, client = make_user(app), app.test_client()
    for _ in range(8):  # more than either limit
        assert log_in(client, learner.email).status_code == 302


def test_failed_logins_of_one_account_make_it_wait_whatever_the_letter_case(app_with):
    app = app_with(**LIMITS, AUTOGRADER_LOGIN_WINDOW_MINUTES="20")
    learner, other, client = make_user(app), make_user(app), app.test_client()
    for email in (learner.email, learner.email.upper(), f"  {learner.email}  "):
        assert log_in(client, email, "wrong password").status_code == 400
    refused = log_in(client, learner.email)  # even the right password waits: guessing must stop
    assert refused.status_code == 429
    assert "Wait 20 minutes" in refused.text and "ask your coach" in refused.text
    assert 19 * 60 < int(refused.headers["Retry-After"]) <= 20 * 60
    assert f'value="{learner.email}"' in refused.text, "the form keeps the email typed"
    assert log_in(client, other.email).status_code == 302, "another account from the same address is not held up"


def test_unknown_emails_are_counted_like_known_ones(app_with):
    app = app_with(**LIMITS)
    client = app.test_client()
    for _ in range(3):
        assert log_in(client, "nobody@example.test", "guess").status_code == 400
    assert log_in(client, "nobody@example.test", "guess").status_code == 429  # as for an account that exists


def test_failed_logins_from_one_address_make_it_wait_for_every_account(app_with):
    app = app_with(**LIMITS)
    learners, client = [make_user(app) for _ in range(6)], app.test_client()
    for learner in learners[:5]:  # one failure each: no account is near its own limit
        assert log_in(client, learner.email, "wrong password").status_code == 400
    assert log_in(client, learners[5].email).status_code == 429
    assert log_in(client, learners[5].email, address="198.51.100.4").status_code == 302, "another address logs in"


def test_the_wait_is_said_in_the_readers_language(app_with):
    app = app_with(AUTOGRADER_LOGIN_FAILURES_PER_ACCOUNT="1")
    learner, client = make_user(app), app.test_client()
    log_in(client, learner.email, "wrong password")
    refused = log_in(client, learner.email, **{"Accept-Language": "nl"})
    assert refused.status_code == 429 and "Wacht 15 minuten" in refused.text


def test_wrong_api_tokens_from_one_address_wait_and_right_ones_never_count(app_with):
    app = app_with(**LIMITS)
    learner, client = make_user(app), app.test_client()
    token = make_token(app, learner)
    here = {"REMOTE_ADDR": "192.0.2.20"}
    for _ in range(8):
        assert (
            client.get("/api/v1/exercises", headers={"Authorization": f"Bearer {token}"}, environ_base=here).status_code
            == 200
        )
    for _ in range(5):
        wrong = client.get("/api/v1/exercises", headers={"Authorization": "Bearer wrong"}, environ_base=here)
        assert wrong.status_code == 401
    refused = client.get("/api/v1/exercises", headers={"Authorization": f"Bearer {token}"}, environ_base=here)
    assert refused.status_code == 429
    assert refused.json["message"] == "Too many calls with a wrong token. Wait 15 minutes, then try again."


@contextmanager
def app_without_redis(tmp_path, **variables: str):
    """The app with Redis unreachable: nothing listens at the address it is given."""
    environ = {
        "AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "AUTOGRADER_REDIS_URL": f"redis://127.0.0.1:{free_port()}/15",
    } | variables
    services = Services.build(load_settings(environ))
    services.prepare_database()
    try:
        yield create_app({"SERVICES": services, "SECRET_KEY": "test", "TESTING": True, "WTF_CSRF_ENABLED": False})
    finally:
        services.close()


def test_with_redis_down_logins_work_and_failures_are_counted_in_the_process(tmp_path, caplog):
    with app_without_redis(tmp_path, **LIMITS) as app:
        learner, client = make_user(app), app.test_client()
        with caplog.at_level(logging.WARNING):
            assert log_in(client, learner.email).status_code == 302
        assert any("storage unreachable" in record.getMessage() for record in caplog.records), "no word of Redis"
        for _ in range(3):
            assert log_in(client, learner.email, "wrong password").status_code == 400
        assert log_in(client, learner.email).status_code == 429, "this process still counts while Redis is down"


@pytest.mark.parametrize(
    "variable", ["LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_ADDRESS", "LOGIN_WINDOW_MINUTES"]
)
def test_a_limit_of_zero_is_refused(variable):
    from grader.settings import SettingsError

    with pytest.raises(SettingsError, match=f"AUTOGRADER_{variable} must be 1 or more"):
        load_settings({f"AUTOGRADER_{variable}": "0"})
