"""A cohort's people: enrol one or a CSV file of them, a new invite link, one learner's work, comments."""

import difflib
from collections.abc import Iterable, Sequence

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from grader.models import Exercise, Outcome, Role, Standing, Submission, TestResult, TestStatus, User
from grader.people.cohorts import CohortError, CsvRejected, LineError, enrol, enrol_csv
from grader.people.comments import CommentError, comment_on_exercise, comments_by_exercise
from grader.people.invites import reissue_invite
from grader.people.mail import MailError, can_send, send_invites
from grader.progress.curves import Curve
from grader.progress.snapshot import snapshot
from web.charts import chart_data
from web.coach import bp, cohort_or_404, enrolled_or_404, to_cohort
from web.context import db_session, services, settings, today
from web.forms import CommentForm, LearnerForm, LearnersCsvForm, filled, flash_errors
from web.i18n import show_in_zone, translate

SHOWN_PER_EXERCISE = 20
"""Most recent submissions of each exercise shown on a learner's page."""

FAILING = (TestStatus.FAILED, TestStatus.ERROR)
"""Results of tests that ran and did not pass."""

CSV_PROBLEMS_SHOWN = 50
"""Problems of a refused CSV file listed to the coach; the rest would only bury the first ones."""


@bp.post("/cohorts/<int:cohort_id>/learners")
def add_learner(cohort_id: int) -> ResponseReturnValue:
    """Enrol one learner; a new one gets an invite link to set their password."""
    found = cohort_or_404(cohort_id)
    form = LearnerForm()
    if not form.validate_on_submit():
        flash_errors(form, gettext("Not added:") + " ", "people-error")
        return to_cohort(cohort_id, "people", refused=True)
    before = {person.id for person in found.learners}
    try:
        added = enrol(db_session(), found, name=filled(form.name.data), email=filled(form.email.data), by=current_user)
    except CohortError as error:
        flash(gettext("Not added:") + " " + translate(error.message), "people-error")
        return to_cohort(cohort_id, "people", refused=True)
    db_session().commit()
    _confirm([added], before)
    return to_cohort(cohort_id, "people")


@bp.post("/cohorts/<int:cohort_id>/learners.csv")
def upload_learners(cohort_id: int) -> ResponseReturnValue:
    """Enrol every learner of a CSV file (name, email); a single problem imports nothing."""
    found = cohort_or_404(cohort_id)
    form = LearnersCsvForm()
    if not form.validate_on_submit():
        flash_errors(form, category="people-error")
        return to_cohort(cohort_id, "people", refused=True)
    before = {person.id for person in found.learners}
    try:
        added = enrol_csv(db_session(), found, form.file.data.read(), by=current_user)
    except CsvRejected as rejected:
        db_session().rollback()
        flash(gettext("Nothing was imported. Fix these lines and upload the file again:"), "people-error")
        for error in rejected.errors[:CSV_PROBLEMS_SHOWN]:
            flash(_line_problem(error), "people-error")
        return to_cohort(cohort_id, "people", refused=True)
    db_session().commit()
    flash(ngettext("%(num)d learner added.", "%(num)d learners added.", len(added)), "people")
    _confirm(added, before)
    return to_cohort(cohort_id, "people")


@bp.post("/cohorts/<int:cohort_id>/learners/<int:user_id>/invite")
def new_invite(cohort_id: int, user_id: int) -> ResponseReturnValue:
    """A new one-time link for a learner who lost theirs or their password; the earlier link stops working."""
    cohort_or_404(cohort_id)
    enrolled_or_404(cohort_id, user_id)
    person = db_session().get(User, user_id)
    if person is None or person.role != Role.LEARNER:  # never a link to take over a staff account
        abort(404)
    token = reissue_invite(db_session(), person)
    db_session().commit()
    _flash_invites([(person, token)], failed="error")  # this page shows every category above its content
    flash(gettext("Any earlier link of theirs no longer works. With this one they choose a new password."))
    return redirect(url_for(".learner", cohort_id=cohort_id, user_id=user_id) + "#account")


@bp.get("/cohorts/<int:cohort_id>/learners/<int:user_id>")
def learner(cohort_id: int, user_id: int) -> ResponseReturnValue:
    """One learner's curve and signals, and their work exercise by exercise: attempts, results, diffs, comments."""
    found = cohort_or_404(cohort_id)
    enrolled_or_404(cohort_id, user_id)
    session = db_session()
    show_in_zone(found.time_zone)
    data = snapshot(session, found, today(found.time_zone), with_matrix=False, cache=services().progress_cache)
    person = session.get(User, user_id)
    if person is None:
        abort(404)
    curve = next((c for c in data.progress.curves if c.user_id == user_id), Curve(user_id, person.name, []))
    # The latest few of every exercise: each exercise keeps its card however much was done elsewhere since.
    latest = (
        select(
            Submission.id,
            func.row_number()
            .over(partition_by=Submission.exercise_id, order_by=(Submission.created_at.desc(), Submission.id.desc()))
            .label("rank"),
        )
        .where(Submission.user_id == user_id)
        .subquery()
    )
    submissions = session.scalars(
        select(Submission)
        .join(latest, latest.c.id == Submission.id)
        .where(latest.c.rank <= SHOWN_PER_EXERCISE)
        .options(joinedload(Submission.exercise))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
    ).all()
    counts = session.execute(
        select(Submission.exercise_id, func.count())
        .where(Submission.user_id == user_id)
        .group_by(Submission.exercise_id)
    )
    standings = {
        standing.exercise_id: standing
        for standing in session.scalars(select(Standing).where(Standing.user_id == user_id))
    }
    work = _by_exercise(submissions)
    return render_template(
        "coach/learner.html",
        cohort=found,
        person=person,
        work=work,
        counts={exercise_id: count for exercise_id, count in counts},
        standings=standings,
        comments=comments_by_exercise(session, person),
        diffs=_diffs(work),
        failing=_failing(session, submissions),
        signals=[signal for signal in data.signals if signal.user_id == user_id],
        chart=chart_data(data.progress, highlight=curve),
        comment_form=CommentForm(),
    )


@bp.post("/cohorts/<int:cohort_id>/learners/<int:user_id>/exercises/<int:exercise_id>/comments")
def comment(cohort_id: int, user_id: int, exercise_id: int) -> ResponseReturnValue:
    """Leave a comment on a learner's work on an exercise, in one of the coach's cohorts."""
    cohort_or_404(cohort_id)
    enrolled_or_404(cohort_id, user_id)
    session = db_session()
    person = session.get(User, user_id)
    form = CommentForm()
    if person is None:
        abort(404)
    if not form.validate_on_submit():
        flash_errors(form)
    else:
        try:
            comment_on_exercise(session, person, exercise_id, current_user, filled(form.text.data))
        except CommentError as error:
            flash(translate(error.message), "error")
        else:
            session.commit()
            flash(
                gettext("Comment saved; %(name)s sees it on their home page and beside the exercise.", name=person.name)
            )
    page = url_for(".learner", cohort_id=cohort_id, user_id=user_id)
    return redirect(f"{page}#exercise-{exercise_id}", 303)


def _failing(session: Session, submissions: Sequence[Submission]) -> dict[int, list[str]]:
    """Submission id → what its failed tests check, only where the tests ran (code that did not load ran none)."""
    ran = [submission.id for submission in submissions if submission.outcome == Outcome.FAILED]
    failing: dict[int, list[str]] = {}
    for submission_id, name, description in session.execute(  # three small columns, not every result row
        select(TestResult.submission_id, TestResult.name, TestResult.description)
        .where(TestResult.submission_id.in_(ran), TestResult.status.in_(FAILING))
        .order_by(TestResult.submission_id, TestResult.position)
    ):
        failing.setdefault(submission_id, []).append(description or name)
    return failing


def _by_exercise(submissions: Sequence[Submission]) -> list[tuple[Exercise, list[Submission]]]:
    """The submissions grouped by exercise, newest first in each; the exercise worked on last comes first."""
    groups: dict[int, tuple[Exercise, list[Submission]]] = {}
    for submission in submissions:  # newest first already
        groups.setdefault(submission.exercise_id, (submission.exercise, []))[1].append(submission)
    return list(groups.values())


def _diffs(work: list[tuple[Exercise, list[Submission]]]) -> dict[int, str]:
    """Latest submission id → unified diff of its files against the one before it: the only diffs the page shows."""
    diffs: dict[int, str] = {}
    for _exercise, (latest, *earlier) in work:
        if earlier:
            before, lines = earlier[0], list[str]()
            for name in sorted(set(before.files) | set(latest.files)):
                lines += difflib.unified_diff(
                    before.files.get(name, "").splitlines(keepends=True),
                    latest.files.get(name, "").splitlines(keepends=True),
                    fromfile=f"{name} (#{before.id})",
                    tofile=f"{name} (#{latest.id})",
                )
            diffs[latest.id] = "".join(lines) or gettext("(no change)")
    return diffs


def invite_link(token: str) -> str:
    """The invite's address as learners reach the site: AUTOGRADER_SITE_URL when set, else this request's."""
    site = settings().site_url.rstrip("/")
    return (
        f"{site}{url_for('auth.accept_invite', token=token)}"
        if site
        else url_for("auth.accept_invite", token=token, _external=True)
    )


def _flash_invites(added: Iterable[tuple[User, str | None]], failed: str = "people-error") -> None:
    """Show each new learner's invite link once, and email it when a mail server is set; others get none.

    Called after the commit: a link that was emailed must exist.
    """
    invited = [(user, invite_link(token)) for user, token in added if token]
    for user, link in invited:
        message = gettext(
            "Invite link for %(name)s (%(email)s), shown once: %(link)s",
            name=user.name,
            email=user.email,
            link=link,
        )
        flash(message, "invite")
    if invited and can_send(settings()):
        _flash_sent(invited, send_invites(settings(), invited), failed)


def _flash_sent(invited: list[tuple[User, str]], problems: list[MailError | None], failed: str) -> None:
    """Say who got their link by email; the links stay shown, so a learner whose email failed still gets one."""
    sent = [user.email for (user, _link), problem in zip(invited, problems, strict=True) if problem is None]
    if sent:
        message = ngettext(
            "Link sent by email to %(emails)s.", "Links sent by email to %(emails)s.", len(sent), emails=", ".join(sent)
        )
        flash(message, "people")
    # One line per reason: a mail server that is down is one problem, not one per learner.
    unsent: dict[str, list[str]] = {}
    for (user, _link), problem in zip(invited, problems, strict=True):
        if problem is not None:
            unsent.setdefault(translate(problem.reason), []).append(user.email)
    for reason, emails in unsent.items():
        message = ngettext(
            "Not sent by email to %(emails)s: %(reason)s Give them the link shown here yourself.",
            "Not sent by email to %(emails)s: %(reason)s Give them the links shown here yourself.",
            len(emails),
            emails=", ".join(emails),
            reason=reason,
        )
        flash(message, failed)


def _confirm(added: Iterable[tuple[User, str | None]], before: set[int]) -> None:
    """Say what happened to each person: a new account gets its link, the others a line of their own."""
    added = list(added)
    for user, token in added:
        if token:
            continue
        if user.id in before:
            flash(
                gettext("%(name)s (%(email)s) was in this cohort already.", name=user.name, email=user.email), "people"
            )
        else:
            message = gettext(
                "%(name)s (%(email)s) had an account already and is now in this cohort.",
                name=user.name,
                email=user.email,
            )
            flash(message, "people")
    _flash_invites(added)


def _line_problem(error: LineError) -> str:
    """One problem of a refused CSV file, with its line when it has one."""
    problem = translate(error.message)
    return gettext("Line %(line)s: %(problem)s", line=error.line, problem=problem) if error.line else problem
