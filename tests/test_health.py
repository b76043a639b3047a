"""The staff health page and /metrics: job-phase timestamps, live workers, queues, timings and failures.

Real Redis, a real database, real workers (in this process, or the `autograder worker` command) and Docker.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Worker
from rq.utils import utcformat
from sqlalchemy import select, text, update

from grader import schema
from grader.db import make_engine
from grader.grading import lifecycle
from grader.grading.health import check, percentile
from grader.grading.presence import (
    PRESENCE_TTL_SECONDS,
    Sandboxes,
    live_workers,
    presence_key,
    publish,
    submission_of,
)
from grader.grading.worker import GradingWorker
from grader.models import Outcome, Status, StoredVerdict, Submission, utcnow
from grader.settings import PROJECT_ROOT
from tests.factories import free_port, login, make_user, record_submission, services_of, sessions, wait_until
from tests.test_schema import as_text, fill_at_baseline

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'
TOKEN = "metrics-token-for-the-tests-0123456789"


def submit(app, client) -> int:
    """A learner's correct submission through the form; its id."""
    learner = make_user(app)
    login(client, learner)
    location = client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).location
    return int(location.rsplit("/", 1)[1])


def row(app, submission_id: int) -> Submission:
    with sessions(app)() as session:
        submission = session.get(Submission, submission_id)
        session.expunge(submission)
        return submission


def metrics_of(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a /metrics answer: (name, sorted labels) → value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def coach_client(app):
    client = app.test_client()
    login(client, make_user(app, "coach"))
    return client


@pytest.mark.integration
def test_a_real_grading_stamps_its_phases_in_order(app, client, drain_queue, docker_client):
    submission_id = submit(app, client)
    queued = row(app, submission_id)
    assert queued.queued_at == queued.created_at
    assert queued.started_at is None and queued.finished_at is None and queued.graded_at is None

    drain_queue()

    graded = row(app, submission_id)
    assert graded.outcome == Outcome.PASSED
    assert graded.queued_at <= graded.started_at <= graded.finished_at <= graded.graded_at
    health = check(sessions(app), services_of(app).settings)
    assert health.graded_recently == 1
    assert health.wait.count == 1 and health.run.count == 1
    assert health.run.percentiles[0.5] == pytest.approx((graded.finished_at - graded.started_at).total_seconds())


def test_a_new_attempt_is_queued_afresh_and_forgets_the_last_start(app, client):
    submission_id = submit(app, client)
    first_queued = row(app, submission_id).queued_at
    with sessions(app).begin() as session:
        submission = lifecycle.claim(session, submission_id, 1)
        assert submission is not None and submission.started_at is not None
        assert lifecycle.new_attempt(submission) == 2
    again = row(app, submission_id)
    assert again.status == Status.QUEUED
    assert again.queued_at > first_queued
    assert again.started_at is None and again.finished_at is None


def test_the_figures_come_from_the_timestamps_of_the_last_hour(app):
    learner = make_user(app)
    now = utcnow()
    for wait, run in ((2, 1), (4, 3), (6, 5), (60, 7)):
        started = now - timedelta(minutes=10)
        record_submission(
            app,
            learner,
            "hello-name",
            now - timedelta(minutes=20),
            queued_at=started - timedelta(seconds=wait),
            started_at=started,
            finished_at=started + timedelta(seconds=run),
            graded_at=started + timedelta(seconds=run),
        )
    # Graded two hours ago: not in the last hour. Given up on: an infrastructure failure.
    record_submission(app, learner, "hello-name", now - timedelta(hours=2))
    failed = record_submission(app, learner, "hello-name", now - timedelta(minutes=5), outcome="infrastructure")
    with sessions(app).begin() as session:
        session.add(StoredVerdict(submission_id=failed, attempt=5, outcome=Outcome.INFRASTRUCTURE, worker="test"))
        session.add(
            StoredVerdict(
                submission_id=failed,
                attempt=1,
                outcome=Outcome.INFRASTRUCTURE,
                worker="test",
                stored_at=now - timedelta(hours=5),
            )
        )

    health = check(sessions(app), services_of(app).settings)

    assert health.graded_recently == 5  # the four measured, and the one given up on
    assert health.wait.count == 4
    assert health.wait.percentiles[0.5] == pytest.approx(5.0)
    assert health.wait.percentiles[0.95] == pytest.approx(60 - 0.15 * 54)
    assert health.run.percentiles[0.5] == pytest.approx(4.0)
    assert (health.infrastructure_recent, health.infrastructure_day, health.infrastructure_total) == (1, 2, 2)


def test_percentiles_interpolate_between_the_nearest_values():
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 0.0], 0.95) == pytest.approx(9.5)


def test_a_job_id_names_its_submission_and_attempt():
    assert submission_of("grading-abc-submission-12-3") == (12, 3)
    assert submission_of("something-else") == (None, None)
    assert submission_of(None) == (None, None)


@pytest.mark.integration
def test_the_page_shows_the_queue_then_the_running_worker_with_its_docker(app, client, settings_env, docker_client):
    coach = coach_client(app)
    submission_id = submit(app, client)

    page = coach.get("/coach/health").text
    assert "No worker is running: submissions wait." in page
    assert "1 submission waits for a worker" in page
    first_line = page.split('id="queue"')[1].split("</tr>")[1]  # the first line's row, after the header's
    assert "1 submission" in first_line

    endpoint = "unix:///var/run/docker.sock"
    environ = os.environ | settings_env | {"DOCKER_HOST": endpoint, "AUTOGRADER_SANDBOX_POOL": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "grader.cli", "worker"], env=environ)
    try:
        queue = services_of(app).queue
        wait_until(lambda: len(live_workers(queue)) == 1, what="the worker's appearance")
        wait_until(lambda: row(app, submission_id).status == Status.GRADED, 120, "the grading")
        wait_until(lambda: live_workers(queue)[0].sandboxes.pool_ready == 1, what="a ready sandbox")
        presence = live_workers(queue)[0]
        assert (presence.pid, presence.state, presence.submission_id) == (worker.pid, "idle", None)
        assert presence.sandboxes.docker_id == docker_client.info()["ID"]

        page = coach.get("/coach/health").text
        assert "No worker is running" not in page
        workers = page.split('id="workers"')[1].split("</table>")[0]
        assert f"<code>{endpoint}</code>" in workers
        assert docker_client.info()["Name"] in workers
        assert "1 of 1" in workers and "idle" in workers
        assert f"process {worker.pid}" in workers
        assert "1 submission graded in the last hour" in page
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    assert live_workers(queue) == []  # a worker that stops says so at once
    assert not queue.connection.exists(presence_key(queue.name, presence.name))


@pytest.mark.integration
def test_a_killed_worker_disappears_when_its_published_state_expires(app, settings_env, docker_client):
    environ = os.environ | settings_env | {"AUTOGRADER_SANDBOX_POOL": "0"}
    worker = subprocess.Popen([sys.executable, "-m", "grader.cli", "worker"], env=environ)
    queue = services_of(app).queue
    try:
        wait_until(lambda: len(live_workers(queue)) == 1, what="the worker's appearance")
        name = live_workers(queue)[0].name
    finally:
        worker.kill()
        worker.wait(30)
    key = presence_key(queue.name, name)
    assert 0 < queue.connection.ttl(key) <= PRESENCE_TTL_SECONDS  # gone within that, though RQ's record stays
    queue.connection.delete(key)  # what the expiry does
    assert live_workers(queue) == []
    assert queue.connection.exists(f"rq:worker:{name}")


def test_the_page_is_for_coaches_and_admins_and_linked_from_their_menu(app, client):
    login(client, make_user(app))
    assert client.get("/coach/health").status_code == 404
    assert "/coach/health" not in client.get("/").text
    coach = coach_client(app)
    assert "/coach/health" in coach.get("/").text
    assert coach.get("/coach/health").status_code == 200


def test_the_page_and_metrics_say_redis_is_unreachable_instead_of_failing(app_with):
    app = app_with(AUTOGRADER_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    record_submission(app, make_user(app), "hello-name", utcnow())

    page = coach_client(app).get("/coach/health")
    assert page.status_code == 200
    assert "Redis is unreachable" in page.text
    assert "No worker is running: submissions wait." not in page.text  # unknown, not none
    assert "1 submission graded in the last hour" in page.text

    answer = app.test_client().get("/metrics")
    assert answer.status_code == 200
    samples = metrics_of(answer.text)
    assert samples[("autograder_up", (("part", "redis"),))] == 0
    assert samples[("autograder_up", (("part", "database"),))] == 1
    assert samples[("autograder_graded_last_hour", ())] == 1
    assert not any(name == "autograder_queue_depth" for name, _ in samples)


def test_metrics_refuse_without_the_token_and_answer_with_it(app_with):
    app = app_with(AUTOGRADER_METRICS_TOKEN=TOKEN)
    web = app.test_client()
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer t\u00f6k\u00e9n"},  # not ASCII: refused, not a crash
        {"Authorization": "Bearer " + "x" * 10_000},
    ):
        answer = web.get("/metrics", headers=headers)
        assert answer.status_code == 401, headers
        assert "autograder_" not in answer.text
    assert web.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert web.get("/metrics", headers={"Authorization": f"bearer  {TOKEN} "}).status_code == 200
    # With a token, the address does not matter.
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert web.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=outside).status_code == 200


def test_without_a_token_only_this_host_reads_the_metrics(app):
    web = app.test_client()
    assert web.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert web.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert web.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    # Through a proxy on this host, every request would look local: one that says it came through one is refused.
    assert web.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert web.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    assert web.get("/metrics", headers={"Forwarded": "for=127.0.0.1"}).status_code == 403


def test_the_metrics_match_a_known_state(app, client):
    for _ in range(2):
        submit(app, client)  # two waiting for a first verdict, no worker
    learner = make_user(app)
    started = utcnow() - timedelta(minutes=5)
    record_submission(
        app,
        learner,
        "hello-name",
        started,
        queued_at=started - timedelta(seconds=3),
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        graded_at=started + timedelta(seconds=2),
    )
    with sessions(app).begin() as session:
        oldest = session.scalar(select(Submission.queued_at).where(Submission.status == Status.QUEUED).limit(1))
        session.add(
            StoredVerdict(
                submission_id=session.scalar(select(Submission.id).limit(1)),
                attempt=1,
                outcome=Outcome.INFRASTRUCTURE,
                worker="test",
            )
        )
    before = utcnow()

    samples = metrics_of(app.test_client().get("/metrics").text)

    assert samples[("autograder_up", (("part", "redis"),))] == 1
    assert samples[("autograder_queue_depth", (("queue", "first"),))] == 2
    assert samples[("autograder_queue_depth", (("queue", "later"),))] == 0
    assert samples[("autograder_queue_held_back", (("queue", "first"),))] == 0
    assert samples[("autograder_submissions", (("status", "queued"),))] == 2
    assert samples[("autograder_workers_alive_total", ())] == 0
    assert samples[("autograder_graded_last_hour", ())] == 1
    assert samples[("autograder_wait_seconds_last_hour", (("quantile", "0.5"),))] == pytest.approx(3.0)
    assert samples[("autograder_run_seconds_last_hour", (("quantile", "0.95"),))] == pytest.approx(2.0)
    assert samples[("autograder_infrastructure_failures_total", ())] == 1
    assert samples[("autograder_infrastructure_failures_recent", (("window", "1h"),))] == 1
    waited = samples[("autograder_oldest_waiting_seconds", ())]
    assert (before - oldest).total_seconds() - 1 <= waited <= (utcnow() - oldest).total_seconds() + 1
    settings = services_of(app).settings
    info = (("image", settings.sandbox_image), ("runtime", settings.sandbox_runtime or "default"))
    assert samples[("autograder_sandbox_info", info)] == 1


def test_the_metrics_count_live_workers_by_host_and_docker(app, settings_env, docker_client):
    environ = os.environ | settings_env | {"AUTOGRADER_SANDBOX_POOL": "0", "DOCKER_HOST": "unix:///var/run/docker.sock"}
    worker = subprocess.Popen([sys.executable, "-m", "grader.cli", "worker"], env=environ)
    try:
        wait_until(lambda: len(live_workers(services_of(app).queue)) == 1, what="the worker's appearance")
        samples = metrics_of(app.test_client().get("/metrics").text)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    labels = (
        ("docker_endpoint", "unix:///var/run/docker.sock"),
        ("docker_id", docker_client.info()["ID"]),
        ("host", socket.gethostname()),
    )
    assert samples[("autograder_workers_alive", labels)] == 1
    assert samples[("autograder_workers_alive_total", ())] == 1


def a_worker_publishing(queue, record: dict | None = None):
    """An RQ worker registered as alive (not working) on the queue, with a published state (or the record given)."""
    rq_worker = Worker([queue], connection=queue.connection, name=f"w-{uuid.uuid4().hex[:8]}")
    rq_worker.register_birth()
    sandboxes = Sandboxes(
        "unix:///var/run/docker.sock", "ID1", "dockerhost", "autograder-python:test", "runc", 0, 0, False
    )
    if record is None:
        publish(queue.connection, queue.name, rq_worker.name, sandboxes)
    else:
        queue.connection.set(presence_key(queue.name, rq_worker.name), json.dumps(record))
    return rq_worker, sandboxes


def workers_table(page: str) -> str:
    return page.split('id="workers"')[1].split("</table>")[0]


def test_an_idle_worker_is_last_seen_when_it_published_not_at_rqs_heartbeat(app):
    queue = services_of(app).queue
    rq_worker, sandboxes = a_worker_publishing(queue)
    try:
        # Idle, RQ 3 blocks in its wait for a job for minutes between two heartbeats.
        long_ago = datetime.now(UTC) - timedelta(seconds=405)
        queue.connection.hset(rq_worker.key, "last_heartbeat", utcformat(long_ago))
        before = utcnow()
        [presence] = live_workers(queue)
        assert presence.sandboxes == sandboxes
        assert before - timedelta(seconds=5) <= presence.last_seen <= utcnow()

        workers = workers_table(coach_client(app).get("/coach/health").text)
        assert "Last seen" in workers and "Last heartbeat" not in workers
        assert " s ago" in workers and "min ago" not in workers
    finally:
        rq_worker.register_death()


def test_a_worker_of_another_version_stays_on_the_page(app):
    queue = services_of(app).queue
    newer = asdict(a_worker_publishing(queue)[1])
    newer |= {"published_at": "2026-12-01T05:00:00+00:00", "gpu": "none", "labels": {"zone": "b"}}
    older = {key: value for key, value in newer.items() if key not in ("published_at", "gpu", "labels")}
    rq_workers = [a_worker_publishing(queue, record)[0] for record in (newer, older)]
    try:
        found = {presence.name: presence for presence in live_workers(queue)}
        assert len(found) == 3  # the first, newer and older ones
        assert found[rq_workers[0].name].last_seen == datetime(2026, 12, 1, 5, 0)
        assert found[rq_workers[1].name].last_seen is None
        assert found[rq_workers[1].name].sandboxes.docker_name == "dockerhost"
        page = coach_client(app).get("/coach/health").text
        assert "No worker is running" not in page
        assert workers_table(page).count('<th scope="row">') == 3
        # What cannot be read at all is still left out, not a failure of the page.
        queue.connection.set(presence_key(queue.name, rq_workers[1].name), "[1, 2]")
        assert {presence.name for presence in live_workers(queue)} == set(found) - {rq_workers[1].name}
    finally:
        for rq_worker in Worker.all(queue=queue):
            rq_worker.register_death()


def test_waiting_figures_skip_submissions_with_no_queued_time(app):
    learner = make_user(app)
    now = utcnow()
    started = now - timedelta(minutes=10)
    # Queued before the time was kept: a retry not started, and a retry graded since.
    unknown = [
        record_submission(app, learner, "hello-name", now - timedelta(days=3), status=Status.QUEUED),
        record_submission(
            app,
            learner,
            "hello-name",
            now - timedelta(days=3),
            started_at=started,
            finished_at=started + timedelta(seconds=4),
            graded_at=started + timedelta(seconds=4),
        ),
    ]
    with sessions(app).begin() as session:  # the ORM would give None its default
        session.execute(update(Submission).where(Submission.id.in_(unknown)).values(queued_at=None))

    health = check(sessions(app), services_of(app).settings)
    assert (health.queued, health.oldest_queued_at, health.oldest_wait_seconds) == (1, None, None)
    assert health.wait.count == 0 and health.run.count == 1

    waiting = record_submission(
        app, learner, "hello-name", now - timedelta(days=3), status=Status.QUEUED, queued_at=now - timedelta(minutes=2)
    )
    health = check(sessions(app), services_of(app).settings)
    assert health.queued == 2
    assert health.oldest_queued_at == row(app, waiting).queued_at
    assert 110 < health.oldest_wait_seconds < 180
    assert "the oldest has waited 2" in coach_client(app).get("/coach/health").text


def test_the_upgrade_gives_only_first_attempts_their_making_as_queued_time(settings_env):
    engine = make_engine(settings_env["AUTOGRADER_DATABASE_URL"])
    try:
        schema.upgrade(engine, schema.BASELINE)
        fill_at_baseline(engine)  # two first attempts, made on 2 and 3 November
        schema.upgrade(engine, "0006")
        started = "UPDATE submissions SET attempt = 2, started_at = '2026-11-20 08:00:00' WHERE id = 2"
        with engine.begin() as connection:
            connection.execute(text(started))
        schema.upgrade(engine)

        def queued() -> list:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT id, queued_at FROM submissions ORDER BY id")).all()
            return [(number, moment if moment is None else as_text(moment)[:19]) for number, moment in rows]

        # A regrade or retry (attempt 2) was queued long after the making: its start is the nearest known time.
        assert queued() == [(1, "2026-11-02 10:00:00"), (2, "2026-11-20 08:00:00")]
        schema.downgrade(engine, "0006")
        with engine.begin() as connection:
            connection.execute(text("UPDATE submissions SET started_at = NULL WHERE id = 2"))
        schema.upgrade(engine)
        assert queued() == [(1, "2026-11-02 10:00:00"), (2, None)]  # not started yet: not known
    finally:
        engine.dispose()


def test_behind_the_proxy_the_metrics_need_a_token(app_with):
    web = app_with(AUTOGRADER_HTTPS="true").test_client()
    # A proxy that sends no X-Forwarded-For leaves the loopback as the client's address: refused all the same.
    for headers in ({}, {"X-Forwarded-For": "127.0.0.1"}, {"X-Forwarded-For": "203.0.113.9"}):
        answer = web.get("/metrics", headers=headers)
        assert answer.status_code == 403, headers
        assert "AUTOGRADER_METRICS_TOKEN" in answer.text and "autograder_" not in answer.text
    web = app_with(AUTOGRADER_HTTPS="true", AUTOGRADER_METRICS_TOKEN=TOKEN).test_client()
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert web.get("/metrics", headers=bearer | {"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    assert web.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 401


def test_without_a_token_any_header_of_a_proxy_is_refused(app):
    web = app.test_client()
    for headers in (
        {"X-Real-IP": "127.0.0.1"},
        {"X-Forwarded-Host": "grader.example.org"},
        {"X-Forwarded-Proto": "http"},
        {"x-forwarded-port": "80"},
        {"Forwarded": "proto=http"},
    ):
        answer = web.get("/metrics", headers=headers)
        assert answer.status_code == 403, headers
        assert "AUTOGRADER_METRICS_TOKEN" in answer.text
    assert web.get("/metrics", headers={"X-Requested-With": "curl"}).status_code == 200


def test_the_loopback_as_an_ipv4_address_mapped_in_ipv6_is_this_host(app):
    web = app.test_client()
    assert web.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"}).status_code == 200
    assert web.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:203.0.113.9"}).status_code == 403
    assert web.get("/metrics", environ_base={"REMOTE_ADDR": "not an address"}).status_code == 403


def test_the_compose_stack_passes_the_metrics_token_on():
    text_of = (PROJECT_ROOT / "docker-compose.yml").read_text()
    shared = text_of.split("\nx-settings:", 1)[1].split("\nservices:", 1)[0]
    assert "\n  AUTOGRADER_METRICS_TOKEN: ${AUTOGRADER_METRICS_TOKEN:-}\n" in shared


class SlowToPublish(GradingWorker):
    """A worker whose publishing thread's first round is still asking Docker when the worker says it stops."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stopping = threading.Event()
        self.late_round_done = threading.Event()

    def publish(self) -> None:
        if threading.current_thread().name != "presence" or self.late_round_done.is_set():
            super().publish()
            return
        self.stopping.wait(60)
        time.sleep(LATE_BY_SECONDS)  # the ask of Docker in flight ends a moment later: not a wait for anything
        super().publish()
        self.late_round_done.set()

    def register_death(self) -> None:
        self.stopping.set()
        super().register_death()


LATE_BY_SECONDS = 0.5


def test_a_stopping_worker_is_not_published_again_after_it_said_it_stops(app):
    queue = services_of(app).queue
    worker = SlowToPublish([queue], image=services_of(app).settings.sandbox_image, connection=queue.connection)

    worker.work(burst=True)  # nothing to do: it stops at once, its publishing thread still in its first round

    assert worker.late_round_done.wait(30)
    assert not queue.connection.exists(presence_key(queue.name, worker.name))
    assert live_workers(queue) == []
