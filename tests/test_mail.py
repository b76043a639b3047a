"""Invite links by email through a real local SMTP server: in the learner's language, each failure named, links kept."""

import re
import socket
import sqlite3
from contextlib import closing
from datetime import date

from click.testing import CliRunner
from sqlalchemy import make_url, select

from grader.cli import cli
from grader.models import Role, User
from grader.people.accounts import digest_token
from grader.people.mail import MailError, send_invite, send_invites
from grader.settings import load_settings
from tests.factories import free_port, login, make_cohort, make_user, multipart, services_of, sessions

LINK = "https://grader.example.org/invite/abc123"
MONDAY = date(2026, 11, 2)


def learner(email: str = "dana@example.org", language: str | None = None) -> User:
    return User(email=email, name="Dana De Smet", role=Role.LEARNER, language=language)


def failure(settings, user=None) -> str:
    """Why sending to this learner failed, in English as the command line says it."""
    try:
        send_invite(settings, user or learner(), LINK)
    except MailError as error:
        return str(error)
    raise AssertionError("the email was sent")


def test_an_invite_arrives_with_its_sender_subject_and_link_in_plain_text(mail_server):
    send_invite(load_settings(mail_server.settings()), learner(), LINK)
    [email] = mail_server.received
    assert email["To"] == "Dana De Smet <dana@example.org>"
    assert email["From"] == "Autograder <grader@example.test>"
    assert email["Subject"] == "Choose your password for grader.example.org"
    assert email.get_content_type() == "text/plain" and email["Content-Language"] == "en"
    body = email.get_content()
    assert body.startswith("Hello Dana De Smet,\n\ngrader.example.org invites you to choose a password")
    assert f"\n\n{LINK}\n\n" in body
    assert "The link works once, within 14 days. After that, ask your coach for a new one." in body


def test_a_learner_who_chose_dutch_reads_it_in_dutch_and_one_who_chose_nothing_in_english(mail_server):
    settings = load_settings(mail_server.settings(AUTOGRADER_INVITE_DAYS="1"))
    send_invite(settings, learner(language="nl"), LINK)
    send_invite(settings, learner(language=None), LINK)
    dutch, english = mail_server.received
    assert dutch["Subject"] == "Kies je wachtwoord voor grader.example.org" and dutch["Content-Language"] == "nl"
    assert dutch.get_content().startswith("Hallo Dana De Smet,\n\ngrader.example.org nodigt je uit")
    assert LINK in dutch.get_content() and "binnen 1 dag." in dutch.get_content()
    assert english["Subject"] == "Choose your password for grader.example.org"
    assert "within 1 day." in english.get_content()


def test_starttls_is_never_skipped_and_tls_is_not_plain(mail_server):
    starttls = load_settings(mail_server.settings(AUTOGRADER_SMTP_SECURITY="starttls"))
    assert failure(starttls) == (
        f"The mail server 127.0.0.1:{mail_server.port} does not offer STARTTLS. "
        "Ask whoever runs the site to set AUTOGRADER_SMTP_SECURITY to tls or none, as it expects."
    )
    tls = load_settings(mail_server.settings(AUTOGRADER_SMTP_SECURITY="tls"))
    assert failure(tls).startswith(f"The secure connection to 127.0.0.1:{mail_server.port} failed (")
    assert mail_server.received == []


def test_a_login_with_the_right_password_sends_and_a_wrong_one_is_named(mail_servers):
    guarded = mail_servers(password="right horse")
    send_invite(
        load_settings(guarded.settings(AUTOGRADER_SMTP_USER="grader", AUTOGRADER_SMTP_PASSWORD="right horse")),
        learner(),
        LINK,
    )
    assert len(guarded.received) == 1
    wrong = load_settings(guarded.settings(AUTOGRADER_SMTP_USER="grader", AUTOGRADER_SMTP_PASSWORD="wrong horse"))
    assert re.fullmatch(
        rf"The mail server 127\.0\.0\.1:{guarded.port} refused the login of grader \(535 .+\)\.", failure(wrong)
    )
    anonymous = load_settings(guarded.settings())
    assert failure(anonymous) == (
        "The mail server refused the sender grader@example.test (530 5.7.0 Authentication required)."
    )
    unsendable = load_settings(guarded.settings(AUTOGRADER_SMTP_USER="grader", AUTOGRADER_SMTP_PASSWORD="wrong hörse"))
    assert failure(unsendable).startswith("Sending failed unexpectedly (UnicodeEncodeError")  # smtplib sends ASCII only
    without_auth = mail_servers()  # offers no login at all
    assert "does not offer a login" in failure(load_settings(without_auth.settings(AUTOGRADER_SMTP_USER="grader")))
    assert len(guarded.received) == 1 and without_auth.received == []


def test_a_refused_address_is_named_and_the_others_still_get_their_link(mail_server):
    mail_server.refused.add("nobody@example.org")
    nobody, eli = learner("nobody@example.org"), learner("eli@example.org")
    refused, sent = send_invites(load_settings(mail_server.settings()), [(nobody, LINK), (eli, LINK)])
    assert str(refused) == "The mail server refused the address nobody@example.org (550 5.1.1 No such mailbox here)."
    assert sent is None
    assert [email["To"].addresses[0].addr_spec for email in mail_server.received] == ["eli@example.org"]


def test_a_server_that_is_down_or_silent_is_asked_once_and_named_for_everyone(mail_server):
    closed = load_settings(mail_server.settings(AUTOGRADER_SMTP_PORT=str(port := free_port())))
    first, second = send_invites(closed, [(learner("a@example.org"), LINK), (learner("b@example.org"), LINK)])
    assert str(first) == str(second) == f"The mail server 127.0.0.1:{port} refused the connection."
    with socket.socket() as silent:  # takes the connection, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        mute = load_settings(mail_server.settings(AUTOGRADER_SMTP_PORT=str(port), AUTOGRADER_SMTP_TIMEOUT="1"))
        assert failure(mute) == f"The mail server 127.0.0.1:{port} did not answer within 1 second."


def coach_client(app):
    coach = make_user(app, role="coach")
    client = app.test_client()
    login(client, coach)
    return coach, client


def invite_link(text: str) -> str:
    return re.search(r"http://localhost/invite/[\w-]+", text).group(0)


def invite_in_database(app, link: str) -> bool:
    """Whether the invite is committed, asked over a connection of its own (this runs in the mail server's thread)."""
    path = make_url(services_of(app).settings.database_url).database
    with closing(sqlite3.connect(path)) as database:
        digest = digest_token(link.rsplit("/", 1)[1])
        return database.execute("SELECT count(*) FROM invites WHERE digest = ?", (digest,)).fetchone()[0] == 1


def test_enrolling_one_learner_emails_the_committed_link_that_is_also_shown(app_with, mail_server):
    app = app_with(**mail_server.settings())
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    committed = []
    mail_server.on_receive = lambda email: committed.append(invite_in_database(app, invite_link(email.get_content())))
    data = {"name": "Dana", "email": "dana@example.org"}
    page = client.post(f"/coach/cohorts/{cohort.id}/learners", data=data, follow_redirects=True).text
    people = page[page.index('<section id="people">') :]
    assert "Invite link for Dana (dana@example.org), shown once" in people
    assert "Link sent by email to dana@example.org." in people
    [email] = mail_server.received
    assert committed == [True]  # the link existed when the email left
    link = invite_link(email.get_content())
    assert link == invite_link(people) and email["Subject"] == "Choose your password for localhost"
    assert app.test_client().post(link, data={"password": "a good password"}).status_code == 302


def test_a_csv_file_emails_everyone_and_names_the_address_that_was_refused(app_with, mail_server):
    app = app_with(**mail_server.settings())
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    mail_server.refused.add("farid@example.org")
    body, content_type = multipart(
        [("learners.csv", b"name,email\nEla,ela@example.org\nFarid,farid@example.org\nGus,gus@example.org\n")],
        field="file",
    )
    page = client.post(
        f"/coach/cohorts/{cohort.id}/learners.csv", data=body, content_type=content_type, follow_redirects=True
    ).text
    assert "3 learners added" in page and page.count('class="invite-link"') == 3  # every link, sent or not
    assert "Links sent by email to ela@example.org, gus@example.org." in page
    assert (
        "Not sent by email to farid@example.org: The mail server refused the address farid@example.org "
        "(550 5.1.1 No such mailbox here). Give them the link shown here yourself."
    ) in page
    assert sorted(email["To"].addresses[0].addr_spec for email in mail_server.received) == [
        "ela@example.org",
        "gus@example.org",
    ]


def test_a_new_link_reaches_a_dutch_learner_in_dutch(app_with, mail_server):
    app = app_with(**mail_server.settings())
    coach, client = coach_client(app)
    hanne = make_user(app, name="Hanne")
    with sessions(app).begin() as session:
        session.get(User, hanne.id).language = "nl"
    cohort = make_cohort(app, coach, start=MONDAY, learners=[hanne])
    page = client.post(f"/coach/cohorts/{cohort.id}/learners/{hanne.id}/invite", follow_redirects=True).text
    assert f"Link sent by email to {hanne.email}." in page and "no longer works" in page
    [email] = mail_server.received
    assert email["Subject"] == "Kies je wachtwoord voor localhost"
    assert invite_link(email.get_content()) == invite_link(page)


def test_when_the_mail_server_is_down_the_coach_sees_why_beside_the_link(app_with, mail_server):
    port = free_port()
    app = app_with(**mail_server.settings(AUTOGRADER_SMTP_PORT=str(port)))
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    data = {"name": "Ivo", "email": "ivo@example.org"}
    page = client.post(f"/coach/cohorts/{cohort.id}/learners", data=data, follow_redirects=True).text
    reason = f"The mail server 127.0.0.1:{port} refused the connection."
    assert f"Not sent by email to ivo@example.org: {reason} Give them the link shown here yourself." in page
    assert page.count('class="invite-link"') == 1 and "Traceback" not in page
    with sessions(app)() as session:
        ivo = session.scalar(select(User).where(User.email == "ivo@example.org"))
    again = client.post(f"/coach/cohorts/{cohort.id}/learners/{ivo.id}/invite", follow_redirects=True).text
    assert f'<p class="flash error" role="alert">Not sent by email to ivo@example.org: {reason}' in again
    assert "Invite link for Ivo (ivo@example.org), shown once: http://localhost/invite/" in again


def test_the_command_line_prints_the_link_and_emails_it_or_says_why_not(app_with, mail_server):
    app = app_with(**mail_server.settings())
    jo = make_user(app, name="Jo")
    make_cohort(app, make_user(app, role="coach"), start=MONDAY, learners=[jo])
    sent = CliRunner().invoke(cli, ["users", "invite", jo.email, "--site", "http://localhost"])
    assert sent.exit_code == 0, sent.output
    assert f"sent by email to {jo.email}" in sent.output
    [email] = mail_server.received
    assert invite_link(email.get_content()) == invite_link(sent.output)
    mail_server.refused.add(jo.email)
    refused = CliRunner().invoke(cli, ["users", "invite", jo.email, "--site", "http://localhost"])
    assert refused.exit_code == 0 and invite_link(refused.output) != invite_link(sent.output)
    assert f"not sent by email to {jo.email}: The mail server refused the address {jo.email} (550" in refused.output
    assert app.test_client().post(invite_link(refused.output), data={"password": "a good password"}).status_code == 302
