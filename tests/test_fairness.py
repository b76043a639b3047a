"""One learner cannot hold every worker: a few of theirs wait or run at once, counted one request at a time."""

import threading
from datetime import datetime

from sqlalchemy import func, select

from grader.grading.submissions import SubmissionRejected, submit
from grader.models import Exercise, Status, Submission
from tests.factories import login, make_user, record_submission, services_of, sessions

CORRECT_HELLO = 'def greet(name):\n    return f"Hello, {name}!"\n'


def send(app, learner, in_flight=2):
    """Submit the correct hello-name as the learner through the core, as the site does."""
    services = services_of(app)
    with services.sessions() as session:
        exercise = session.scalar(select(Exercise).where(Exercise.slug == "hello-name"))
        return submit(
            session,
            services.queue,
            learner=session.merge(learner),
            exercise=exercise,
            files={"hello.py": CORRECT_HELLO},
            max_file_bytes=64_000,
            per_minute=100,
            in_flight=in_flight,
        ).id


def in_flight(app, learner):
    with sessions(app)() as session:
        return session.scalar(
            select(func.count()).where(
                Submission.user_id == learner.id, Submission.status.in_((Status.QUEUED, Status.RUNNING))
            )
        )


def test_a_third_submission_waits_for_a_result_and_others_are_not_held_up(app):
    amina, bram = make_user(app, name="Amina"), make_user(app, name="Bram")
    first, _ = send(app, amina), send(app, amina)
    try:
        send(app, amina)
    except SubmissionRejected as refused:
        assert refused.http_status == 429
        assert str(refused.message) == (
            "Your 2 earlier submissions are still being graded. Wait for a result, then submit again."
        )
    else:
        raise AssertionError("a third submission was accepted while two waited")
    assert send(app, bram)  # another learner is not held up
    with sessions(app).begin() as session:
        session.get(Submission, first).status = Status.GRADED  # one result came
    assert send(app, amina)


def test_parallel_submissions_are_counted_one_after_the_other(app):
    amina = make_user(app, name="Amina")
    waiting = {"status": Status.QUEUED, "graded_at": None}
    record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 9), **waiting)  # one waits already
    start, outcomes = threading.Barrier(4), []

    def attempt() -> None:
        start.wait()
        try:
            outcomes.append(send(app, amina))
        except SubmissionRejected:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("refused") == 3 and in_flight(app, amina) == 2


def test_old_submissions_graded_again_do_not_count_against_the_learner(app):
    amina = make_user(app, name="Amina")
    for hour in (9, 10, 11):  # graded once, now waiting for a regrade the author started
        record_submission(app, amina, "hello-name", datetime(2026, 11, 2, hour), status=Status.QUEUED)
    assert send(app, amina) and send(app, amina)  # her own two may still wait at once
    try:
        send(app, amina)
    except SubmissionRejected:
        pass
    else:
        raise AssertionError("a third new submission was accepted while two waited")


def test_the_site_says_why_a_third_submission_waits(app):
    amina = make_user(app, name="Amina")
    client = app.test_client()
    login(client, amina)
    statuses = [
        client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT_HELLO}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    refused = client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT_HELLO})
    assert (
        "earlier submissions are still being graded" in refused.text and CORRECT_HELLO.splitlines()[0] in refused.text
    )
