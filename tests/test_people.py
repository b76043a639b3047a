"""The core has the last word on cohorts, enrolment, thresholds, plans and comments, whatever a form let through."""

from datetime import date, datetime

import pytest

from grader.models import Cohort, Submission
from grader.people.cohorts import THRESHOLDS, CohortError, create_cohort, enrol, set_thresholds
from grader.people.comments import CommentError, add_comment
from grader.people.plan import save_plan
from tests.factories import PASSWORD, make_cohort, make_user, record_submission, sessions


def test_a_cohort_name_longer_than_its_column_is_refused(app):
    coach = make_user(app, "coach")
    with sessions(app)() as session, pytest.raises(CohortError, match="at most 120 characters"):
        create_cohort(session, name="x" * 121, start_date=date(2026, 11, 2), coach=coach, working_days=[1])


def test_an_email_longer_than_a_mail_server_takes_is_refused(app):
    cohort = make_cohort(app, make_user(app, "coach"), start=date(2026, 11, 2))
    with sessions(app)() as session, pytest.raises(CohortError, match="longer than 254"):
        enrol(session, session.merge(cohort), name="Long", email="a" * 250 + "@example.org", by=None)


def test_thresholds_outside_their_range_change_nothing(app):
    cohort = make_cohort(app, make_user(app, "coach"), start=date(2026, 11, 2))
    with sessions(app)() as session:
        found = session.get(Cohort, cohort.id)
        with pytest.raises(CohortError, match="stuck attempts must be a whole number from 2 to 50"):
            set_thresholds(found, {"inactive_days": 5, "stuck_attempts": 1})
        assert found.inactive_days == 2  # the valid one was not applied either
        with pytest.raises(CohortError):
            set_thresholds(found, {"behind_points": "30"})  # garbage on purpose
        set_thresholds(found, dict.fromkeys(THRESHOLDS, 30) | {"stuck_attempts": 50})
        assert (found.inactive_days, found.stuck_attempts, found.behind_points) == (30, 50, 30)


def test_a_due_day_outside_the_sprint_is_refused(app):
    cohort = make_cohort(app, make_user(app, "coach"), start=date(2026, 11, 2))
    with sessions(app)() as session, pytest.raises(CohortError, match="from 1 to 30"):
        save_plan(session, session.get(Cohort, cohort.id), {1: 31})


def test_comments_must_have_words_and_an_end(app):
    learner = make_user(app)
    submission_id = record_submission(app, learner, "hello-name", datetime(2026, 11, 2, 10))
    coach = make_user(app, "coach")
    with sessions(app)() as session:
        submission = session.get(Submission, submission_id)
        for text in ("   ", "x" * 4001):
            with pytest.raises(CommentError, match="1 to 4000 characters"):
                add_comment(session, submission, coach, text)
        assert add_comment(session, submission, coach, "  Well done.  ").text == "Well done."


def test_an_unknown_email_costs_the_same_hashing_as_a_wrong_password(app, monkeypatch):
    from grader.people import accounts

    checked = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(h) or real_check(h, p))
    known = make_user(app, name="Amina")
    with sessions(app)() as session:
        assert accounts.authenticate(session, "nobody@example.org", "a password") is None
        assert accounts.authenticate(session, known.email, "a wrong password") is None
        assert accounts.authenticate(session, known.email, PASSWORD) is not None
    assert len(checked) == 3 and all(h.count("$") >= 2 for h in checked)  # a real hash each time, dummy or not
