"""Soak the whole system under faults and check that nothing is lost and nothing is graded twice.

Usage: .venv/bin/python benchmarks/soak.py [--submissions 1000] [--learners 50] [--kill-every 5]

Starts the site (gunicorn) and the grading workers as `make run` does, on a database and queues of
their own, then has every learner submit through the API (correct code, wrong answers, syntax
errors, endless loops), each keeping within the cap of submissions in flight. Meanwhile a worker is
killed with SIGKILL every few seconds (and another started, as a service manager would), Redis is
restarted once with its data thrown away, and the Docker daemon is killed once and started again.

Then it checks, from the database: every accepted submission has its verdict (0 lost, 0 stuck),
the audit holds exactly one stored verdict for each, each verdict is the one its code deserves,
and no sandbox container of the soak's workers is left. It prints the figures and exits 1 if a
check fails. The reconciler runs here every two seconds with a lease fitted to these short runs,
standing in for the workers' caretaker, whose lease is sized for the longest run.
"""

import argparse
import contextlib
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import docker
from redis import Redis
from sqlalchemy import func, select

from grader.authoring.reader import read_bank
from grader.authoring.store import store_specs
from grader.cli.system import site_command, start_workers
from grader.grading.caretaker import INTERVAL_SECONDS
from grader.grading.queue import later_queue
from grader.grading.reconciler import reconcile
from grader.models import Outcome, Status, StoredVerdict, Submission
from grader.people.accounts import create_user
from grader.people.tokens import create_token
from grader.services import Services
from grader.settings import PROJECT_ROOT, load_settings
from sandbox.container import LABEL, OWNER_LABEL

ENSURE_SERVICES = str(PROJECT_ROOT / "scripts" / "ensure-services.sh")
EXERCISE = "hello-name"
GREET = 'def greet(name):\n    return f"Hello, {name}!"\n'
CODES = [
    (GREET, Outcome.PASSED, 12),
    ('def greet(name):\n    return "Hello, Amina!"\n', Outcome.FAILED, 5),
    ("def greet(name)\n    return name\n", Outcome.ERROR, 2),
    ("def greet(name):\n    while True:\n        pass\n", Outcome.TIMEOUT, 1),
]
"""Code the learners send, what each deserves, and how often it is sent (weights)."""

LEASE_SECONDS = 30
"""Seconds a running submission may go without a verdict here before it is presumed dead."""

RECONCILE_EVERY = 2.0
"""Seconds between the soak's reconciler passes."""


class Soak:
    """The system under test and what was done to it."""

    def __init__(self, options: argparse.Namespace):
        self.options = options
        folder = Path(tempfile.mkdtemp(prefix="autograder-soak-"))
        self.environ = {
            **os.environ,
            "AUTOGRADER_DATABASE_URL": f"sqlite:///{folder / 'soak.db'}",
            "AUTOGRADER_QUEUE_NAME": f"soak-{uuid.uuid4().hex[:8]}",
            "AUTOGRADER_SUBMISSIONS_PER_MINUTE": "100000",
        }
        self.services = Services.build(load_settings(self.environ))
        self.expected: dict[int, Outcome] = {}
        self.sent_at: dict[int, float] = {}
        self.refusals = 0
        self.errors: list[str] = []
        self.killed = 0
        self.faults_done: list[str] = []
        self.deadline = float("inf")
        self.worker_pids: set[int] = set()
        self.lock = threading.Lock()
        self.chaos_thread: threading.Thread | None = None
        self.site: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.done = threading.Event()
        """Set when the faults are over."""
        self.finished = threading.Event()
        """Set when the soak stops."""

    def prepare(self) -> list[str]:
        """The database, the exercise bank and one API token per learner."""
        self.services.prepare_database()
        specs, _ = read_bank(self.services.settings.exercises_dir)
        with self.services.sessions.begin() as session:
            store_specs(session, specs)
            return [
                create_token(
                    session,
                    create_user(
                        session, email=f"soak{n}@example.test", name=f"Learner {n}", role="learner", password="x" * 12
                    ),
                )
                for n in range(self.options.learners)
            ]

    def start(self) -> None:
        """The site and the workers, as `make run` starts them, with this soak's settings."""
        self.port = free_port()
        with patched_environ(self.environ):
            self.site = subprocess.Popen(site_command("127.0.0.1", self.port), stderr=subprocess.DEVNULL)
            self.workers = start_workers(self.services.settings.workers, burst=False, quiet=True)
        self.worker_pids.update(worker.pid for worker in self.workers)
        wait_until(lambda: self.answers("/api/v1/exercises"), 60, "the site did not answer")

    def answers(self, path: str) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5).close()
        except urllib.error.HTTPError:
            return True  # an answer, even a refusal without a token
        except OSError:
            return False
        return True

    def learner(self, token: str, count: int, rng: random.Random) -> None:
        """Send count submissions, waiting while two of one's own are in flight, as the site asks."""
        for _ in range(count):
            code, outcome, _weight = rng.choices(CODES, weights=[weight for *_, weight in CODES])[0]
            while True:
                if time.monotonic() > self.deadline:
                    self.errors.append("the learner could not send everything before the deadline")
                    return
                status, body = self.post(token, {"files": {"hello.py": code}})
                if status == 202:
                    with self.lock:
                        self.expected[body["id"]] = outcome
                        self.sent_at[body["id"]] = time.time()
                    break
                if status == 429:
                    with self.lock:
                        self.refusals += 1
                else:  # anything else is a fault the learner should never see; they try again anyway
                    self.errors.append(f"submit answered {status}: {body}")
                    if 400 <= status < 500:
                        return
                time.sleep(0.2)  # the learner reads the answer, waits, and sends again

    def post(self, token: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/exercises/{EXERCISE}/submissions",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, {"error": error.read().decode(errors="replace")[:200]}
        except OSError as error:
            return 0, {"error": str(error)}

    def chaos(self) -> None:
        """Kill a worker every few seconds and start another; restart Redis once and dockerd once."""
        try:
            self._chaos()
        except Exception as error:
            self.errors.append(f"the faults stopped early: {error}")

    def _chaos(self) -> None:
        rng = random.Random(7)
        total = self.options.submissions
        faults = {"redis": total // 3, "docker": 2 * total // 3}
        next_kill = time.monotonic() + self.options.kill_every
        while not self.done.wait(0.2):
            with self.lock:
                sent = len(self.expected)
            for fault in [name for name, after in faults.items() if sent >= after]:
                del faults[fault]
                try:
                    if fault == "redis":
                        restart_redis(self.services.settings.redis_url, self.services.settings.queue_name)
                    else:
                        crash_docker()
                    self.faults_done.append(fault)
                except (Exception, SystemExit) as error:  # the soak then fails: a fault it claims must happen
                    self.errors.append(f"could not bring about the {fault} fault: {error}")
            if time.monotonic() >= next_kill:
                next_kill += self.options.kill_every
                victim = rng.randrange(len(self.workers))
                self.workers[victim].send_signal(signal.SIGKILL)
                self.workers[victim].wait()
                self.killed += 1
                self.replace(victim)
            for number, worker in enumerate(self.workers):
                if worker.poll() is not None:  # stopped by itself: a service manager starts it again
                    self.replace(number)

    def replace(self, number: int) -> None:
        with patched_environ(self.environ):
            self.workers[number] = start_workers(1, burst=False, quiet=True)[0]
        self.worker_pids.add(self.workers[number].pid)

    def reconciler(self) -> None:
        while not self.finished.wait(RECONCILE_EVERY):
            with contextlib.suppress(Exception):  # Redis restarting: the next pass tries again
                reconcile(self.services.sessions, self.services.queue, lease_seconds=LEASE_SECONDS)

    def unfinished(self) -> int:
        with self.services.sessions() as session:
            return session.scalar(select(func.count()).where(Submission.status != Status.GRADED)) or 0

    def stop(self) -> None:
        self.done.set()
        self.finished.set()
        if self.chaos_thread is not None:
            self.chaos_thread.join(timeout=120)  # a worker it is starting is then in self.workers, and stopped
        children = [child for child in (self.site, *self.workers) if child is not None]
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
        with contextlib.suppress(Exception):
            for queue in (self.services.queue, later_queue(self.services.queue)):
                queue.delete(delete_jobs=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--kill-every", type=float, default=5.0, help="seconds between two workers killed")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds the whole soak may take")
    options = parser.parse_args()
    soak = Soak(options)
    left = -1
    try:
        tokens = soak.prepare()
        soak.start()
        elapsed = run(soak, tokens)
        left = dead_workers_containers(soak)
    finally:
        soak.stop()
    left += containers_of(soak.worker_pids)  # a worker stopped cleanly removes its started sandboxes itself
    sys.exit(report(soak, elapsed, left))


def run(soak: Soak, tokens: list[str]) -> float:
    """Let every learner send their share under the faults; wait for the last verdict; the seconds it took."""
    options = soak.options
    started = time.monotonic()
    rng = random.Random(42)
    count, learners = options.submissions, options.learners
    shares = [count // learners + (number < count % learners) for number in range(learners)]
    threads = [
        threading.Thread(target=soak.learner, args=(token, share, random.Random(rng.random())))
        for token, share in zip(tokens, shares, strict=True)
    ]
    soak.chaos_thread = threading.Thread(target=soak.chaos, daemon=True)
    helpers = [soak.chaos_thread, threading.Thread(target=soak.reconciler, daemon=True)]
    soak.deadline = started + options.timeout
    for thread in itertools.chain(threads, helpers):
        thread.start()
    for thread in threads:
        thread.join()
    soak.done.set()  # no more faults: what follows is the system catching up
    soak.chaos_thread.join(timeout=120)
    while soak.unfinished() and time.monotonic() < soak.deadline:
        time.sleep(0.5)
    return time.monotonic() - started


def report(soak: Soak, elapsed: float, left: int) -> int:
    """Print the figures and the checks; the exit status: 1 if a check failed."""
    with soak.services.sessions() as session:
        rows = {
            number: (status, outcome, graded_at)
            for number, status, outcome, graded_at in session.execute(
                select(Submission.id, Submission.status, Submission.outcome, Submission.graded_at)
            )
        }
        audit = dict(
            session.execute(
                select(StoredVerdict.submission_id, func.count()).group_by(StoredVerdict.submission_id)
            ).all()
        )
    accepted = soak.expected
    lost = [number for number in accepted if number not in rows]
    stuck = [number for number, (status, *_rest) in rows.items() if status != Status.GRADED]
    twice = [number for number in rows if audit.get(number, 0) != 1]
    infrastructure = [number for number, (_s, outcome, _g) in rows.items() if outcome == Outcome.INFRASTRUCTURE]
    wrong = [
        number
        for number, outcome in accepted.items()
        if number in rows and rows[number][1] not in (outcome, Outcome.INFRASTRUCTURE)
    ]
    waits = sorted(
        rows[number][2].timestamp() - sent
        for number, sent in soak.sent_at.items()
        if number in rows and rows[number][2] is not None
    )
    print(f"soak: {len(accepted)} submissions from {soak.options.learners} learners in {elapsed:.0f} s")
    faults = {"redis": "Redis restarted with the soak's data thrown away", "docker": "dockerd killed (SIGKILL)"}
    done = ", ".join(faults[fault] for fault in soak.faults_done) or "no other fault"
    print(f"  faults: {soak.killed} workers killed (SIGKILL); {done}")
    print(f"  asked to wait for an earlier result (in-flight cap): {soak.refusals}")
    if waits:
        p95 = waits[int(0.95 * (len(waits) - 1))]
        print(f"  submit → verdict: median {statistics.median(waits):.1f} s, p95 {p95:.1f} s")
    checks = {
        "lost": len(lost),
        "stuck (no verdict)": len(stuck),
        "not graded exactly once": len(twice),
        "a verdict other than its code deserves": len(wrong),
        "containers left": left,
        "given up as our fault (infrastructure)": len(infrastructure),
        "faults that did not happen, or errors": len(soak.errors) + 2 - len(soak.faults_done),
    }
    for name, count in checks.items():
        print(f"  {name:<40} {count}")
    for error in soak.errors[:5]:
        print(f"    {error}")
    return 1 if any(checks.values()) else 0


def dead_workers_containers(soak: Soak) -> int:
    """Containers of the killed workers still there once the live workers' caretakers had two rounds to reap them."""
    dead = {pid for pid in soak.worker_pids if pid not in {worker.pid for worker in soak.workers}}
    deadline = time.monotonic() + 2 * INTERVAL_SECONDS + 5
    while (count := containers_of(dead)) and time.monotonic() < deadline:
        time.sleep(1)
    return count


def containers_of(worker_pids: set[int]) -> int:
    """Sandbox containers, running or not, started by the given worker processes of this host."""
    with contextlib.closing(docker.from_env()) as client:
        # The plain listing, not one inspection per container: a reaper may remove one meanwhile.
        listed = client.api.containers(all=True, filters={"label": LABEL})
        return sum(1 for container in listed if _pid_of(container["Labels"].get(OWNER_LABEL, "")) in worker_pids)


def _pid_of(owner: str) -> int | None:
    parts = owner.split(":")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def restart_redis(redis_url: str, queue_name: str) -> None:
    """Throw away the soak's jobs, queues and registries, stop Redis without saving, start it as `make` does."""
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter(match=f"*{queue_name}*", count=1000):
        redis.delete(key)
    with contextlib.suppress(Exception):
        redis.shutdown(nosave=True)
    subprocess.run([ENSURE_SERVICES], check=True, capture_output=True)


def crash_docker() -> None:
    """Kill the Docker daemon outright, as in a crash, then start it as `make` does."""
    pid = int(Path("/var/run/docker.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), 30, "dockerd did not die")
    subprocess.run([ENSURE_SERVICES], check=True, capture_output=True)


def wait_until(condition, seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(failure)
        time.sleep(0.1)


@contextlib.contextmanager
def patched_environ(environ: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
