"""Sessions end when the password changes or on request; API tokens expire, can be revoked, and note their use
at most every few minutes."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from grader.models import ApiToken, User, utcnow
from grader.people.invites import reissue_invite
from grader.people.tokens import USE_RESOLUTION
from tests.factories import login, make_token, make_user, sessions


def logged_in(client) -> bool:
    """Whether the client's session still opens a page that needs a login."""
    return client.get("/").status_code == 200


def clients(app, user, count: int) -> list:
    """count browsers, each logged in as the user through the login form."""
    browsers = [app.test_client() for _ in range(count)]
    for browser in browsers:
        login(browser, user)
    return browsers


def new_password_link(app, user) -> str:
    """A link to choose a new password, as a coach makes for someone who forgot theirs."""
    with sessions(app).begin() as session:
        return f"/invite/{reissue_invite(session, session.merge(user))}"


def test_a_new_password_ends_every_other_session(app):
    learner = make_user(app)
    laptop, phone = clients(app, learner, 2)
    here = app.test_client()
    assert here.post(new_password_link(app, learner), data={"password": "a new password"}).status_code == 302
    assert logged_in(here), "the browser that chose the password stays logged in"
    assert not logged_in(laptop) and not logged_in(phone), "a session from before the new password still works"
    login_again = app.test_client().post("/login", data={"email": learner.email, "password": "a new password"})
    assert login_again.status_code == 302


def test_a_copied_cookie_stops_working_after_a_new_password(app):
    learner = make_user(app)
    (victim,) = clients(app, learner, 1)
    thief = app.test_client()
    cookie = victim.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert logged_in(thief)
    app.test_client().post(new_password_link(app, learner), data={"password": "a new password"})
    assert not logged_in(thief)


def test_logging_out_ends_this_session_only(app):
    learner = make_user(app)
    laptop, phone = clients(app, learner, 2)
    assert laptop.post("/logout").status_code == 302
    assert not logged_in(laptop) and logged_in(phone)


def test_logging_out_on_every_device_ends_every_session(app):
    learner = make_user(app)
    laptop, phone = clients(app, learner, 2)
    answer = laptop.post("/account/sessions/end")
    assert answer.status_code == 302 and answer.location.endswith("/login")
    assert not logged_in(laptop) and not logged_in(phone)
    (again,) = clients(app, learner, 1)
    assert logged_in(again)


def test_a_session_from_before_epochs_still_works_until_sessions_end(app):
    learner = make_user(app)
    browser = app.test_client()
    with browser.session_transaction() as cookie:
        cookie["_user_id"] = str(learner.id)  # as the site wrote it before sessions had epochs
        cookie["_fresh"] = True
    assert logged_in(browser)
    (other,) = clients(app, learner, 1)
    other.post("/account/sessions/end")
    assert not logged_in(browser)


def call(client, token: str):
    return client.get("/api/v1/exercises", headers={"Authorization": f"Bearer {token}"})


def test_a_revoked_token_answers_401_saying_so(app, client):
    learner = make_user(app)
    token = make_token(app, learner)
    assert call(client, token).status_code == 200
    login(client, learner)
    page = client.get("/account/").text
    (token_id,) = re.findall(r'action="/account/tokens/(\d+)/revoke"', page)
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    refused = call(app.test_client(), token)
    assert refused.status_code == 401
    assert refused.json["error"] == "Unauthorized" and "was revoked on" in refused.json["message"]
    assert f"/account/tokens/{token_id}/revoke" not in client.get("/account/").text, "a revoked token is still listed"


def test_nobody_revokes_a_token_of_someone_else(app, client):
    owner, other = make_user(app), make_user(app)
    token = make_token(app, owner)
    with sessions(app).begin() as session:
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == owner.id))
    login(client, other)
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert call(app.test_client(), token).status_code == 200


def age_tokens(app, user, days: float) -> None:
    with sessions(app).begin() as session:
        session.execute(
            update(ApiToken).where(ApiToken.user_id == user.id).values(created_at=utcnow() - timedelta(days=days))
        )


def test_an_expired_token_answers_401_saying_so_and_is_shown_as_expired(app_with):
    app = app_with(AUTOGRADER_TOKEN_DAYS="30")
    learner = make_user(app)
    token = make_token(app, learner)
    age_tokens(app, learner, 29.9)
    assert call(app.test_client(), token).status_code == 200
    age_tokens(app, learner, 30)
    refused = call(app.test_client(), token)
    assert refused.status_code == 401 and "expired on" in refused.json["message"]
    browser = app.test_client()
    login(browser, learner)
    page = browser.get("/account/").text
    assert "expired" in page and "works for 30 days after it is made" in page


def last_used(app, user):
    with sessions(app).begin() as session:
        return session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id))


def test_a_tokens_last_use_is_written_at_most_every_few_minutes(app, client):
    learner = make_user(app)
    token = make_token(app, learner)
    assert last_used(app, learner) is None
    call(client, token)
    first = last_used(app, learner)
    assert first is not None
    for _ in range(3):
        call(client, token)
    assert last_used(app, learner) == first, "the last use was written again within a few minutes"
    with sessions(app).begin() as session:  # as if the first call had come a little more than that ago
        session.execute(update(ApiToken).values(last_used_at=first - USE_RESOLUTION))
    call(client, token)
    assert last_used(app, learner) > first


def test_the_owner_makes_a_token_on_the_account_page_and_sees_when_it_was_used(app, client):
    learner = make_user(app)
    login(client, learner)
    made = client.post("/account/tokens")
    assert made.status_code == 201
    (token,) = re.findall(r'<code class="token">([\w-]+)</code>', made.text)
    assert call(app.test_client(), token).status_code == 200
    page = client.get("/account/").text
    assert "never" not in page, "the token's use is not shown"
    assert token not in page, "the token is shown again after it was made"
    assert "Log out on every device" in page


@pytest.mark.parametrize("days", ["0", "3651"])
def test_token_days_out_of_range_are_refused(days):
    from grader.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="AUTOGRADER_TOKEN_DAYS"):
        load_settings({"AUTOGRADER_TOKEN_DAYS": days})


def test_the_session_epoch_moves_on_in_the_database(app):
    learner = make_user(app)
    (laptop,) = clients(app, learner, 1)
    laptop.post("/account/sessions/end")
    phone_again = app.test_client()
    login(phone_again, learner)
    phone_again.post("/account/sessions/end")
    with sessions(app).begin() as session:
        assert session.scalar(select(User.session_epoch).where(User.id == learner.id)) == 2
