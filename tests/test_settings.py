"""Settings come from AUTOGRADER_* variables once; a value that cannot be read is named, never a traceback."""

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.settings import MailSecurity, Settings, SettingsError, load_settings
from sandbox.limits import Limits


def test_each_setting_is_read_by_its_type():
    settings = load_settings(
        {
            "AUTOGRADER_EXERCISES_DIR": "/srv/bank",
            "AUTOGRADER_GRADING_ATTEMPTS": "5",
            "AUTOGRADER_SANDBOX_RUNTIME": "runsc",
            "AUTOGRADER_SECRET_KEY": "k" * 32,
            "AUTOGRADER_DEFAULT_LIMITS": "huge",  # not a setting of the environment: ignored
            "AUTOGRADER_SANDBOX_IMAGE": "",  # empty means unset
        }
    )
    assert settings.exercises_dir == Path("/srv/bank")
    assert settings.grading_attempts == 5
    assert settings.sandbox_runtime == "runsc" and settings.secret_key == "k" * 32
    assert settings.default_limits == Limits() and settings.sandbox_image == Settings().sandbox_image


def test_yes_or_no_settings_take_the_usual_words_and_nothing_else():
    assert load_settings({"AUTOGRADER_HTTPS": "Yes"}).https is True
    assert load_settings({"AUTOGRADER_HTTPS": "0"}).https is False
    with pytest.raises(SettingsError, match="AUTOGRADER_HTTPS must be true or false"):
        load_settings({"AUTOGRADER_HTTPS": "maybe"})


def test_the_secret_key_never_shows_in_a_repr():
    assert "k" * 32 not in repr(load_settings({"AUTOGRADER_SECRET_KEY": "k" * 32}))


def test_a_number_that_is_not_a_number_is_named():
    with pytest.raises(SettingsError, match="AUTOGRADER_MAX_FILE_BYTES must be a whole number, not 'lots'"):
        load_settings({"AUTOGRADER_MAX_FILE_BYTES": "lots"})


def test_a_command_says_which_setting_is_wrong(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SUBMISSIONS_PER_MINUTE", "ten")
    result = CliRunner().invoke(cli, ["tokens", "create", "someone@example.test"])
    assert result.exit_code == 1
    assert "AUTOGRADER_SUBMISSIONS_PER_MINUTE must be a whole number, not 'ten'" in result.output
    assert "Traceback" not in result.output


def test_workers_default_to_one_per_core_and_must_be_at_least_one():
    assert load_settings({}).workers == (os.cpu_count() or 1)
    assert load_settings({"AUTOGRADER_WORKERS": "3"}).workers == 3
    with pytest.raises(SettingsError, match="AUTOGRADER_WORKERS must be 1 or more, not '0'"):
        load_settings({"AUTOGRADER_WORKERS": "0"})


def test_the_sandbox_pool_may_be_turned_off_but_not_made_negative():
    assert load_settings({}).sandbox_pool == 2
    assert load_settings({"AUTOGRADER_SANDBOX_POOL": "0"}).sandbox_pool == 0
    with pytest.raises(SettingsError, match="AUTOGRADER_SANDBOX_POOL must be 0 or more, not '-1'"):
        load_settings({"AUTOGRADER_SANDBOX_POOL": "-1"})
    with pytest.raises(SettingsError, match="AUTOGRADER_SANDBOX_POOL_IDLE_SECONDS must be 10 or more, not '2'"):
        load_settings({"AUTOGRADER_SANDBOX_POOL_IDLE_SECONDS": "2"})


def test_mail_settings_are_off_by_default_and_read_when_given():
    assert load_settings({}).smtp_host == "" and load_settings({}).smtp_security == MailSecurity.STARTTLS
    settings = load_settings(
        {
            "AUTOGRADER_SMTP_HOST": "mail.example.org",
            "AUTOGRADER_SMTP_PORT": "465",
            "AUTOGRADER_SMTP_SECURITY": " TLS ",
            "AUTOGRADER_SMTP_USER": "grader",
            "AUTOGRADER_SMTP_PASSWORD": "p" * 20,
            "AUTOGRADER_SMTP_TIMEOUT": "30",
            "AUTOGRADER_MAIL_FROM": "Autograder <grader@example.org>",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_timeout) == ("mail.example.org", 465, 30)
    assert settings.smtp_security == MailSecurity.TLS and settings.smtp_user == "grader"
    assert "p" * 20 not in repr(settings)


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({"AUTOGRADER_SMTP_PORT": "smtp"}, "AUTOGRADER_SMTP_PORT must be a whole number, not 'smtp'"),
        ({"AUTOGRADER_SMTP_PORT": "0"}, "AUTOGRADER_SMTP_PORT must be 1 or more, not '0'"),
        ({"AUTOGRADER_SMTP_PORT": "70000"}, "AUTOGRADER_SMTP_PORT must be at most 65535, not '70000'"),
        ({"AUTOGRADER_SMTP_TIMEOUT": "0"}, "AUTOGRADER_SMTP_TIMEOUT must be 1 or more, not '0'"),
        ({"AUTOGRADER_SMTP_TIMEOUT": "2.5"}, "AUTOGRADER_SMTP_TIMEOUT must be a whole number, not '2.5'"),
        ({"AUTOGRADER_SMTP_SECURITY": "ssl"}, "AUTOGRADER_SMTP_SECURITY must be one of starttls, tls, none, not 'ssl'"),
        ({"AUTOGRADER_SMTP_HOST": "mail.example.org"}, "AUTOGRADER_MAIL_FROM is required when AUTOGRADER_SMTP_HOST"),
        ({"AUTOGRADER_MAIL_FROM": "the grader"}, "AUTOGRADER_MAIL_FROM must be an email address"),
        ({"AUTOGRADER_MAIL_FROM": "a@example.org, b@example.org"}, "AUTOGRADER_MAIL_FROM must be an email address"),
        ({"AUTOGRADER_MAIL_FROM": "a@example.org\nBcc: b@example.org"}, "AUTOGRADER_MAIL_FROM must be an email"),
        ({"AUTOGRADER_SMTP_PASSWORD": "secret"}, "AUTOGRADER_SMTP_PASSWORD is set without AUTOGRADER_SMTP_USER"),
    ],
)
def test_mail_settings_that_cannot_work_are_named(variables, problem):
    with pytest.raises(SettingsError, match=re.escape(problem)):
        load_settings(variables)


@pytest.mark.parametrize("address", ["grader.example.org", "ftp://grader.example.org", "https://x.org/a?b", "https://"])
def test_a_site_url_that_is_not_a_scheme_and_host_is_named(address):
    with pytest.raises(SettingsError, match=re.escape("AUTOGRADER_SITE_URL must be a scheme and host such as")):
        load_settings({"AUTOGRADER_SITE_URL": address})
    assert load_settings({"AUTOGRADER_SITE_URL": "https://grader.example.org:8443/"}).site_url
