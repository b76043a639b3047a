"""A coach's cohorts: the list, a new one, the cohort page, its calendar and thresholds, its plan, its statistics."""

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_login import current_user

from grader.models import WORKING_WEEK
from grader.people.access import cohorts_of_coach
from grader.people.calendar import next_working_day
from grader.people.cohorts import (
    THRESHOLDS,
    CohortError,
    create_cohort,
    set_calendar,
    set_thresholds,
    set_time_zone,
)
from grader.people.plan import save_plan
from grader.progress.queries import exercises_in_plan, learners_of
from grader.progress.reviews import mark_seen
from grader.progress.snapshot import snapshot
from grader.progress.statistics import ExerciseStats, exercise_stats
from web.charts import chart_data
from web.coach import bp, cohort_or_404, enrolled_or_404, to_cohort
from web.context import db_session, services, today
from web.forms import (
    CalendarForm,
    CohortForm,
    LearnerForm,
    LearnersCsvForm,
    ThresholdsForm,
    filled,
    flash_errors,
    plan_form,
)
from web.i18n import show_in_zone, translate
from web.matrix import matrix_body


@bp.get("/")
def index() -> ResponseReturnValue:
    """The coach's cohorts, and a form to start a new one."""
    cohorts = cohorts_of_coach(db_session(), current_user)
    first_day = next_working_day(today(), WORKING_WEEK)  # a first day must be a working day
    return render_template("coach/index.html", cohorts=cohorts, form=CohortForm(start_date=first_day))


@bp.post("/cohorts")
def create() -> ResponseReturnValue:
    """Start a cohort coached by the current user."""
    form = CohortForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".index"), 303)
    try:
        cohort = create_cohort(
            db_session(),
            name=filled(form.name.data),
            start_date=filled(form.start_date.data),
            coach=current_user,
            working_days=filled(form.working_days.data),
            time_zone=filled(form.time_zone.data),
        )
    except CohortError as error:
        flash(translate(error.message), "error")
        return redirect(url_for(".index"), 303)
    db_session().commit()
    flash(gettext("Cohort '%(name)s' created. Now add its learners.", name=cohort.name))
    return to_cohort(cohort.id)


PEOPLE_FLASHES = ("people", "people-error", "invite")
"""Messages of adding learners, shown in the people section rather than at the top of the page."""


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int) -> ResponseReturnValue:
    """One chart of every learner, the at-risk list, the matrix of learners and exercises, and the forms."""
    found = cohort_or_404(cohort_id)
    show_in_zone(found.time_zone)
    day, cache = today(found.time_zone), services().progress_cache
    data = snapshot(db_session(), found, day, cache=cache)
    # Thousands of cells: built once per change of the cohort and language, like the picture they show.
    key = ("matrix", found.id, found.created_at, found.generation, day, str(get_locale()))
    return render_template(
        "coach/cohort.html",
        snap=data,
        chart=chart_data(data.progress, with_learners=True),
        matrix_body=cache.get(key, lambda: matrix_body(data)),
        learner_form=LearnerForm(),
        csv_form=LearnersCsvForm(),
        thresholds_form=ThresholdsForm(obj=found),
        calendar_form=CalendarForm(obj=found),
        shown_in_place=PEOPLE_FLASHES,  # beside the forms that made them, where the coach is looking
    )


@bp.post("/cohorts/<int:cohort_id>/calendar")
def update_calendar(cohort_id: int) -> ResponseReturnValue:
    """Change the cohort's name, first day and working days; say how the sprint changed."""
    found = cohort_or_404(cohort_id)
    form = CalendarForm()
    if not form.validate_on_submit():
        flash_errors(form, gettext("Nothing was changed:") + " ")
        return to_cohort(cohort_id, "calendar", refused=True)
    try:
        changes = set_calendar(
            db_session(),
            found,
            name=filled(form.name.data),
            start_date=filled(form.start_date.data),
            working_days=filled(form.working_days.data),
        )
    except CohortError as error:
        flash(gettext("Nothing was changed:") + " " + translate(error.message), "error")
        return to_cohort(cohort_id, "calendar", refused=True)
    db_session().commit()
    for change in changes:
        flash(translate(change))
    return to_cohort(cohort_id)


@bp.post("/cohorts/<int:cohort_id>/settings")
def update_settings(cohort_id: int) -> ResponseReturnValue:
    """Change the thresholds of the at-risk signals."""
    found = cohort_or_404(cohort_id)
    form = ThresholdsForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return to_cohort(cohort_id, "settings", refused=True)
    try:
        set_thresholds(found, {name: form[name].data for name in THRESHOLDS})
        set_time_zone(db_session(), found, filled(form.time_zone.data))
    except CohortError as error:
        flash(translate(error.message), "error")
        return to_cohort(cohort_id, "settings", refused=True)
    db_session().commit()
    flash(gettext("Settings saved."))
    return to_cohort(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/plan", methods=["GET", "POST"])
def edit_plan(cohort_id: int) -> ResponseReturnValue:
    """Which exercise is expected by which sprint day; blank keeps the default from its week and day."""
    found = cohort_or_404(cohort_id)
    session = db_session()
    exercises, due = exercises_in_plan(session, found)
    form = plan_form(found, exercises, due)
    if form.validate_on_submit():
        try:
            save_plan(session, found, form.changes())
        except CohortError as error:
            form.form_errors.append(translate(error.message))
        else:
            session.commit()
            flash(gettext("Plan saved. Curves, pace and signals now follow it."))
            return to_cohort(cohort_id)
    flash_errors(form, gettext("Nothing was saved:") + " ")
    page = render_template("coach/plan.html", cohort=found, exercises=exercises, form=form)
    return page, 400 if form.is_submitted() else 200


@bp.get("/cohorts/<int:cohort_id>/exercises")
def statistics(cohort_id: int) -> ResponseReturnValue:
    """Per exercise: solve rate, median attempts, median time to solve, the test failed most."""
    found = cohort_or_404(cohort_id)
    session = db_session()
    exercises, due = exercises_in_plan(session, found)
    learners = learners_of(session, found)
    key = ("statistics", found.id, found.created_at, found.generation)

    def compute() -> dict[int, ExerciseStats]:
        return {item.exercise.id: item for item in exercise_stats(session, found, learners, exercises)}

    # Cached by exercise id; each row gets this request's exercise, never one of an earlier database session.
    cached = services().progress_cache.get(key, compute)
    stats = [replace(cached.get(exercise.id) or ExerciseStats(exercise), exercise=exercise) for exercise in exercises]
    return render_template("coach/statistics.html", cohort=found, stats=stats, due=due, learner_count=len(learners))


@bp.post("/cohorts/<int:cohort_id>/learners/<int:user_id>/seen")
def mark_signals_seen(cohort_id: int, user_id: int) -> ResponseReturnValue:
    """Mark a learner's signals as seen: they stay off the list until what they rest on changes."""
    found = cohort_or_404(cohort_id)
    enrolled_or_404(cohort_id, user_id)
    session = db_session()
    data = snapshot(session, found, today(found.time_zone), with_matrix=False, cache=services().progress_cache)
    # Only what the coach's page showed: a signal that came after it was drawn stays new.
    shown = list(zip(request.form.getlist("kind"), request.form.getlist("evidence"), strict=False))
    if mark_seen(session, found, user_id, data.signals, shown, current_user):
        session.commit()
    return to_cohort(cohort_id, "at-risk")
