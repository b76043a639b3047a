"""Progress from the database: curves by sprint day, pace, median, matrix, signals and statistics."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from grader.grading.lifecycle import refresh_read_models, regrade_all
from grader.messages import say
from grader.models import Cohort, Status, Submission
from grader.people.calendar import sprint_day, working_days_between
from grader.progress.home import learner_home
from grader.progress.reviews import mark_seen
from grader.progress.snapshot import snapshot
from grader.progress.statistics import exercise_stats
from tests.factories import make_cohort, make_user, record_submission, sessions

MONDAY = date(2026, 11, 2)


def at(day: date, hour=10, minute=0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def people(app):
    coach = make_user(app, role="coach")
    learners = [make_user(app, name=name) for name in ("Amina", "Bram", "Chloé")]
    cohort = make_cohort(app, coach, start=MONDAY, learners=learners)
    return coach, learners, cohort


def attempts(app, learner, slug, hours, outcome, **fields):
    """One graded attempt on Monday at each hour, with the fields (feedback, notice) the worker would have stored."""
    for hour in hours:
        record_submission(app, learner, slug, at(MONDAY, hour), outcome, **fields)


def take(app, cohort_id, today):
    with sessions(app)() as session:
        return snapshot(session, session.get(Cohort, cohort_id), today)


def test_sprint_days_skip_weekends():
    cohort = Cohort(name="x", start_date=MONDAY, working_days=[1, 2, 3, 4, 5])
    assert sprint_day(cohort, MONDAY - timedelta(days=1)) == 0
    assert sprint_day(cohort, MONDAY) == 1
    assert sprint_day(cohort, MONDAY + timedelta(days=4)) == 5  # Friday
    assert sprint_day(cohort, MONDAY + timedelta(days=6)) == 5  # Sunday
    assert sprint_day(cohort, MONDAY + timedelta(days=7)) == 6  # next Monday
    assert working_days_between(cohort, MONDAY + timedelta(days=4), MONDAY + timedelta(days=7)) == 1


def test_curves_pace_and_median(app, people):
    _, (amina, bram, _), cohort = people
    record_submission(app, amina, "hello-name", at(MONDAY), "failed", score=3.33)
    record_submission(app, amina, "hello-name", at(MONDAY, 11))
    record_submission(app, amina, "temperature", at(MONDAY + timedelta(days=1)))
    record_submission(app, bram, "hello-name", at(MONDAY + timedelta(days=1)))
    snap = take(app, cohort.id, MONDAY + timedelta(days=2))
    curves = {curve.name: curve.points for curve in snap.progress.curves}
    assert snap.progress.today == 3
    assert curves["Amina"] == [10.0, 20.0, 20.0]  # the day's best per exercise, never counted twice
    assert curves["Bram"] == [0.0, 10.0, 10.0]
    assert curves["Chloé"] == [0.0, 0.0, 0.0]
    assert snap.progress.median == [0.0, 10.0, 10.0]
    week_one = sum(e.max_score for e in snap.exercises if e.week == 1 and e.day <= 1)
    assert snap.progress.pace[0] == week_one
    assert len(snap.progress.pace) == 30


def test_matrix_counts_attempts_and_solves(app, people):
    _, (amina, bram, _), cohort = people
    record_submission(app, amina, "hello-name", at(MONDAY), "failed")
    record_submission(app, amina, "hello-name", at(MONDAY, 11))
    record_submission(app, bram, "initials", at(MONDAY), "error")
    snap = take(app, cohort.id, MONDAY)
    ids = {e.slug: e.id for e in snap.exercises}
    assert snap.matrix[(amina.id, ids["hello-name"])].attempts == 2
    assert snap.matrix[(amina.id, ids["hello-name"])].solved
    assert not snap.matrix[(bram.id, ids["initials"])].solved
    assert (bram.id, ids["hello-name"]) not in snap.matrix


def test_signals_name_the_reason(app, people):
    _, (amina, bram, _), cohort = people
    thursday = MONDAY + timedelta(days=3)
    record_submission(app, amina, "hello-name", at(MONDAY))  # then quiet for three working days
    for minute in (0, 4, 9, 15):
        record_submission(app, bram, "initials", at(thursday, 9, minute), "failed")
    snap = take(app, cohort.id, thursday)
    reasons = {(s.name, s.kind): str(s.reason) for s in snap.signals}
    assert reasons[("Amina", "quiet")] == "No submission for 3 working days (last on 2026-11-02)."
    assert reasons[("Bram", "stuck")] == "4 failed attempts on 'Initials' within 15 minutes."
    assert reasons[("Chloé", "quiet")].startswith("No submission yet")
    assert ("Chloé", "behind") in reasons and "Behind the plan by" in reasons[("Chloé", "behind")]


def test_the_same_error_again_and_again_is_stuck(app, people):
    _, (amina, _, _), cohort = people
    attempts(
        app, amina, "hello-name", (9, 11, 13, 15), "error", feedback="Python could not read your code:\nNameError: nme"
    )
    reasons = [str(s.reason) for s in take(app, cohort.id, MONDAY).signals if s.kind == "stuck"]
    assert reasons == ["The same error 4 times in a row on 'Say hello': NameError: nme"]


def test_the_same_timeout_again_and_again_is_stuck(app, people):
    _, (amina, _, _), cohort = people
    too_slow = say("Your program ran for more than %(seconds)s seconds and was stopped.", seconds=5.0).to_json()
    attempts(app, amina, "hello-name", (9, 11, 13, 15), "timeout", notice=too_slow)
    reasons = [str(s.reason) for s in take(app, cohort.id, MONDAY).signals if s.kind == "stuck"]
    assert reasons == [
        "The same error 4 times in a row on 'Say hello': Your program ran for more than 5.0 seconds and was stopped."
    ]


def test_failures_after_solving_are_not_stuck(app, people):
    _, (amina, _, _), cohort = people
    record_submission(app, amina, "hello-name", at(MONDAY, 9))  # solved: the matrix shows ✓
    for minute in (10, 10, 11, 11):  # then four quick failed tries, as the at-risk list once flagged
        record_submission(app, amina, "hello-name", at(MONDAY, 9, minute), "failed", failing={"other names"})
    stuck = [s for s in take(app, cohort.id, MONDAY).signals if s.kind == "stuck"]
    assert stuck == []


def test_a_stuck_syntax_error_quotes_the_message_and_the_line_never_the_caret(app, people):
    _, (amina, _, _), cohort = people
    feedback = "shout.py, line 2: '(' was never closed\n    return f\"Hello, {name}!\"(\n                            ^"
    attempts(app, amina, "shout", (9, 10, 11, 12), "error", feedback=feedback)
    reasons = [str(s.reason) for s in take(app, cohort.id, MONDAY).signals if s.kind == "stuck"]
    assert reasons == [
        "The same error 4 times in a row on 'Shout it out': "
        "shout.py, line 2: '(' was never closed — return f\"Hello, {name}!\"("
    ]


def test_a_learner_with_several_reasons_is_one_row(app, people):
    _, (amina, bram, _), cohort = people
    thursday = MONDAY + timedelta(days=3)
    record_submission(app, amina, "hello-name", at(MONDAY))  # quiet since Monday, and behind the plan
    for minute in (0, 4, 9, 15):
        record_submission(app, bram, "initials", at(thursday, 9, minute), "failed")
    snap = take(app, cohort.id, thursday)
    rows = {row.name: row for row in snap.attention}
    assert sorted(rows) == ["Amina", "Bram", "Chloé"]  # each once, however many reasons
    assert rows["Amina"].kinds == ["quiet", "behind"]
    assert [signal.kind for signal in rows["Amina"].signals] == ["quiet", "behind"]
    assert "stuck" in rows["Bram"].kinds
    assert len(snap.attention) == len({signal.user_id for signal in snap.signals})


def test_an_empty_or_unstarted_cohort_has_no_signals(app):
    coach = make_user(app, role="coach")
    empty = make_cohort(app, coach, start=MONDAY)
    later = make_cohort(app, coach, start=MONDAY + timedelta(days=30), learners=[make_user(app)])
    assert take(app, empty.id, MONDAY).signals == [] and take(app, empty.id, MONDAY).progress.curves == []
    future = take(app, later.id, MONDAY)
    assert future.progress.today == 0 and future.signals == [] and future.progress.median == []


def statistics_of(app, cohort_id):
    """Slug → the exercise statistics of the cohort on Monday."""
    with sessions(app)() as session:
        found = session.get(Cohort, cohort_id)
        snap = snapshot(session, found, MONDAY)
        return {s.exercise.slug: s for s in exercise_stats(session, found, snap.learners, snap.exercises)}


def test_exercise_statistics(app, people):
    _, (amina, bram, _), cohort = people
    record_submission(app, amina, "hello-name", at(MONDAY, 9), "failed", failing={"other names"})
    record_submission(app, amina, "hello-name", at(MONDAY, 9, 30))
    record_submission(app, bram, "hello-name", at(MONDAY, 10), "failed", failing={"other names"})
    stats = statistics_of(app, cohort.id)
    hello = stats["hello-name"]
    assert (hello.attempted, hello.solved) == (2, 1)
    assert hello.solve_rate == pytest.approx(1 / 3)
    assert hello.median_attempts == 2  # attempts until solved, over those who solved it
    assert hello.median_minutes_to_solve == 30.0
    assert (hello.hardest_test, hello.hardest_test_failures) == ("Works for other names too.", 2)
    assert stats["initials"].attempted == 0 and stats["initials"].median_attempts is None


def test_statistics_count_what_happened_before_the_first_solve(app, people):
    _, (amina, bram, _), cohort = people
    # Amina solves at her second attempt, then keeps trying other things that fail.
    record_submission(app, amina, "hello-name", at(MONDAY, 9), "failed", failing={"other names"})
    record_submission(app, amina, "hello-name", at(MONDAY, 9, 30))
    for hour in (10, 11, 12, 13, 14, 15):
        record_submission(app, amina, "hello-name", at(MONDAY, hour), "failed", failing={"greets amina"})
    # Bram has three syntax errors (no test ran), one failure, then solves: five attempts.
    for minute in (0, 5, 10):
        record_submission(app, bram, "hello-name", at(MONDAY, 9, minute), "error")
    record_submission(app, bram, "hello-name", at(MONDAY, 9, 20), "failed", failing={"other names"})
    record_submission(app, bram, "hello-name", at(MONDAY, 9, 40))
    stats = statistics_of(app, cohort.id)
    hello = stats["hello-name"]
    assert (hello.attempted, hello.solved) == (2, 2)
    assert hello.median_attempts == 3.5  # 2 and 5: the six after Amina's solve do not count
    assert hello.median_minutes_to_solve == 35.0
    # Not "greets amina" (6 failures, all after solving) nor the tests that never ran: the description, not the name.
    assert (hello.hardest_test, hello.hardest_test_failures) == ("Works for other names too.", 2)


def test_learner_home_shows_own_curve_streak_and_next(app, people):
    _, (amina, bram, _), cohort = people
    record_submission(app, amina, "hello-name", at(MONDAY))
    record_submission(app, amina, "temperature", at(MONDAY + timedelta(days=1)))
    record_submission(app, bram, "hello-name", at(MONDAY))
    with sessions(app)() as session:
        home = learner_home(session, session.get(Cohort, cohort.id), amina, MONDAY + timedelta(days=2))
    assert home.own.points == [10.0, 20.0, 20.0]
    assert home.streak == 2
    assert home.next_exercise.slug not in ("hello-name", "temperature")
    assert home.progress.curves == []  # no other learner's curve reaches a learner's page


def mark(app, cohort_id, learner, today):
    """A coach marks the learner's signals as they are today as seen."""
    with sessions(app).begin() as session:
        cohort = session.get(Cohort, cohort_id)
        found = snapshot(session, cohort, today).signals
        shown = [(signal.kind, signal.evidence) for signal in found if signal.user_id == learner.id]
        mark_seen(session, cohort, learner.id, found, shown, cohort.coaches[0])


def shown(app, cohort_id, today):
    """(name, kind) of every signal still on the list."""
    return {(signal.name, signal.kind) for row in take(app, cohort_id, today).attention for signal in row.signals}


def test_a_quiet_learner_marked_seen_stays_off_the_list_until_they_submit_and_go_quiet_again(app, people):
    _, (amina, _, _), cohort = people
    thursday, next_tuesday = MONDAY + timedelta(days=3), MONDAY + timedelta(days=8)
    record_submission(app, amina, "hello-name", at(MONDAY))
    assert ("Amina", "quiet") in shown(app, cohort.id, thursday)
    mark(app, cohort.id, amina, thursday)
    assert ("Amina", "quiet") not in shown(app, cohort.id, thursday)
    seen = take(app, cohort.id, thursday).seen
    assert {(item.signal.name, item.signal.kind) for item in seen} >= {("Amina", "quiet")}
    assert ("Amina", "quiet") not in shown(app, cohort.id, next_tuesday)  # still quiet: nothing new happened
    record_submission(app, amina, "initials", at(thursday, 11))
    assert ("Amina", "quiet") in shown(app, cohort.id, next_tuesday + timedelta(days=1))  # quiet again since then


def test_a_stuck_learner_marked_seen_is_heard_of_again_only_with_another_error(app, people):
    _, (amina, _, _), cohort = people
    name_error = "Python could not read your code:\nNameError: nme"
    attempts(app, amina, "hello-name", (9, 10, 11, 12), "error", feedback=name_error)
    mark(app, cohort.id, amina, MONDAY)
    assert ("Amina", "stuck") not in shown(app, cohort.id, MONDAY)
    attempts(app, amina, "hello-name", (13,), "error", feedback=name_error)  # the same error once more
    assert ("Amina", "stuck") not in shown(app, cohort.id, MONDAY)
    attempts(app, amina, "hello-name", (14, 15, 16, 17), "error", feedback="TypeError: can only concatenate str")
    assert ("Amina", "stuck") in shown(app, cohort.id, MONDAY)


def test_a_learner_behind_marked_seen_is_heard_of_again_when_further_behind(app, people):
    _, (_, _, chloe), cohort = people  # Chloé has no points: her gap is the whole plan so far
    thursday = MONDAY + timedelta(days=3)
    assert ("Chloé", "behind") in shown(app, cohort.id, thursday)
    mark(app, cohort.id, chloe, thursday)
    assert ("Chloé", "behind") not in shown(app, cohort.id, thursday)
    days = [thursday + timedelta(days=n) for n in range(1, 30)]
    further = next(day for day in days if planned(app, cohort.id, day) // 30 > planned(app, cohort.id, thursday) // 30)
    assert ("Chloé", "behind") in shown(app, cohort.id, further)  # another 30 points (the threshold) behind
    assert ("Chloé", "behind") not in shown(app, cohort.id, thursday)  # the gap she was seen at: still seen


def test_a_seen_gap_that_shrinks_stays_seen(app, people):
    _, (_, _, chloe), cohort = people
    later = MONDAY + timedelta(days=10)
    gap = planned(app, cohort.id, later)
    assert gap > 60  # two thresholds and more behind
    mark(app, cohort.id, chloe, later)
    record_submission(app, chloe, "hello-name", at(later - timedelta(days=1)))  # she catches up a little
    assert ("Chloé", "behind") not in shown(app, cohort.id, later)


def test_a_regrade_on_its_way_keeps_the_matrix_and_statistics(app, people):
    _, (amina, _, _), cohort = people
    for hour in (9, 10, 11):
        record_submission(app, amina, "hello-name", at(MONDAY, hour), "failed")
    last = record_submission(app, amina, "hello-name", at(MONDAY, 12))
    with sessions(app).begin() as session:
        exercise = session.get(Submission, last).exercise
        regrade_all(session, exercise)  # every submission waits for its new verdict, the first comes back
        first = session.scalar(select(Submission).where(Submission.exercise_id == exercise.id).order_by(Submission.id))
        first.status = Status.GRADED
        refresh_read_models(session, amina.id, exercise.id)
    cell = take(app, cohort.id, MONDAY).matrix[(amina.id, exercise.id)]
    assert cell == (4, True, 10.0)  # solved in 4 attempts, as before the regrade


def planned(app, cohort_id, today):
    """Points the plan expects by today."""
    snap = take(app, cohort_id, today)
    return snap.progress.pace[snap.progress.today - 1]
