"""Time grading against the physical floor, measured in the same run: sandbox runs, then the whole system.

Usage: .venv/bin/python benchmarks/grading.py [--runs N] [--burst N]
(a) The floor: a bare pytest process on the same files inside a warm container of the same image,
timed inside the container, what any grader must pay; beside it, Docker's own part of a run: a
hardened container that runs `true`, created, started and removed. (b) A cold sandbox run (a container
started for the job). (c) A run in a started sandbox of a pool. a–c are interleaved, so drift in
the machine's load hits all alike. (d) Submit → verdict through the real site (gunicorn), Redis
and the grading workers `make run` starts, at idle. (e) A burst of submissions from as many
learners at once, with the drain time and the wait of each. (f) Throughput with two in flight.
Each figure is also given as a ratio to the floor. It reports; it does not fail.
"""

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from pathlib import Path

import docker
from sqlalchemy import select

from grader.authoring.reader import read_bank, read_exercise
from grader.authoring.store import store_specs
from grader.cli.system import site_command, start_workers
from grader.models import Status, Submission
from grader.people.accounts import create_user
from grader.people.tokens import create_token
from grader.services import Services
from grader.settings import PROJECT_ROOT, load_settings
from sandbox.container import LABEL, OWNER_LABEL, container_options, owner
from sandbox.limits import Limits
from sandbox.pool import Pool
from sandbox.runner import run

EXERCISE = "hello-name"
LIMITS = Limits(wall_seconds=10, memory_mb=128)

FLOOR_SCRIPT = """
import json, os, subprocess, sys, time
files = json.loads(sys.argv[1])
for path, text in files.items():
    os.makedirs(os.path.dirname(os.path.join("/tmp/floor", path)), exist_ok=True)
    with open(os.path.join("/tmp/floor", path), "w") as handle:
        handle.write(text)
started = time.perf_counter()
for _ in range(int(sys.argv[2])):
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "/tmp/floor/tests"],
                   cwd="/tmp/floor", env={**os.environ, "PYTHONPATH": "/tmp/floor/learner"}, capture_output=True)
print(time.perf_counter() - started)
"""
"""Lays out the learner's files and the tests in the warm container, then times bare pytest processes one by one."""


def warm_container(client, image: str):
    """A running container of the sandbox image with the same hardening, idle, to run the floor in."""
    options = container_options(LIMITS, None)
    options.update(stdin_open=False, entrypoint=["sleep", "3600"])
    container = client.containers.create(image, **options)
    container.start()
    return container


def floor_run(container, spec, count: int = 1) -> float:
    """Seconds of count bare pytest processes, one after the other, on the exercise's files, timed inside."""
    laid_out = {f"learner/{name}": text for name, text in spec.solution.items()}
    laid_out.update({f"tests/{path}": text for path, text in spec.tests.items()})
    result = container.exec_run(["python3", "-c", FLOOR_SCRIPT, json.dumps(laid_out), str(count)])
    return float(result.output.decode().strip().splitlines()[-1])


def bare_container(client, image: str) -> float:
    """Seconds to create, start, wait for and remove a hardened container that runs `true`: Docker's own part."""
    options = container_options(LIMITS, None)
    options.update(stdin_open=False, entrypoint=["true"])
    started = time.perf_counter()
    container = client.containers.create(image, **options)
    try:
        container.start()
        container.wait(timeout=30)
    finally:
        container.remove(force=True)
    return time.perf_counter() - started


def timed(work: Callable[[], object]) -> float:
    """Seconds one call of work takes; a run without a report is a broken benchmark, not a figure."""
    started = time.perf_counter()
    raw = work()
    if getattr(raw, "report", None) is None:
        raise SystemExit(f"a run produced no report: {raw}")
    return time.perf_counter() - started


def rate(works: list[Callable[[], object]], runs: int) -> float:
    """Runs a second with one of works in flight in each thread, runs of each, back to back."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(works)) as threads:
        list(threads.map(lambda work: [timed(work) for _ in range(runs)], works))
    return len(works) * runs / (time.perf_counter() - started)


def p95(values: list[float]) -> float:
    """The 95th percentile, interpolated between the values measured."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def line(name: str, seconds: list[float], floor: float) -> str:
    median = statistics.median(seconds)
    return (
        f"{name:<46} median {median * 1000:6.0f} ms   p95 {p95(seconds) * 1000:6.0f} ms"
        f"   {median / floor:5.2f} × the floor"
    )


def sandbox_figures(spec, image: str, runs: int) -> dict:
    """(a), (b), (c) interleaved, then (f): the floor's and the sandboxes' throughput with two in flight."""
    client = docker.from_env()
    warm = [warm_container(client, image) for _ in range(2)]
    pools = [Pool(image, None, LIMITS, size=2).start() for _ in range(2)]
    cold = lambda: run(spec.solution, spec.tests, LIMITS, image=image)  # noqa: E731
    pooled = [
        lambda pool=pool: pool.run(spec.solution, spec.tests, LIMITS, image=image, runtime=None) for pool in pools
    ]
    rows: dict[str, list[float]] = {"floor": [], "bare": [], "cold": [], "pooled": []}
    try:
        floor_run(warm[0], spec)  # the first pytest start fills the page cache
        for _ in range(runs):
            pools[0].wait_until_ready(2, 60)  # a pool at rest, as between submissions
            rows["floor"].append(floor_run(warm[0], spec))
            rows["bare"].append(bare_container(client, image))
            rows["cold"].append(timed(cold))
            rows["pooled"].append(timed(pooled[0]))
        with ThreadPoolExecutor(max_workers=2) as threads:
            inside = list(threads.map(lambda container: floor_run(container, spec, runs), warm))
        floor_rate = 2 * runs / max(inside)
        cold_rate = rate([cold, cold], runs)
        for pool in pools:
            pool.wait_until_ready(2, 60)
        started = time.perf_counter()
        rate(pooled, runs)
        for pool in pools:  # the sandboxes used are paid for too: count until the pools are full again
            pool.wait_until_ready(2, 60)
        pooled_rate = 2 * runs / (time.perf_counter() - started)
    finally:
        for pool in pools:
            pool.close()
        for container in warm:
            container.remove(force=True)
        client.close()
    return {**rows, "floor_rate": floor_rate, "cold_rate": cold_rate, "pooled_rate": pooled_rate}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Site:
    """The JSON API of the running site, spoken as a script would."""

    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, token: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def submit(self, token: str, files: dict[str, str]) -> int:
        return int(self.call("POST", f"/api/v1/exercises/{EXERCISE}/submissions", token, {"files": files})["id"])


def graded_at(sessions, submission_ids: list[int], poll: float) -> dict[int, float]:
    """Wait until every submission has its verdict; when each was stored (Unix time), from the database."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with sessions() as session:
            rows = session.execute(
                select(Submission.id, Submission.graded_at).where(
                    Submission.id.in_(submission_ids), Submission.status == Status.GRADED
                )
            ).all()
        if len(rows) == len(submission_ids):
            return {number: moment.replace(tzinfo=UTC).timestamp() for number, moment in rows}
        time.sleep(poll)
    raise SystemExit(f"{len(submission_ids) - len(rows)} submission(s) got no verdict in 300 s")


@contextlib.contextmanager
def running_system(learners: int) -> Iterator[tuple[Site, list[str], list, Services]]:
    """The site and the grading workers as `make run` starts them, on a database and queue of their own."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    environ = {
        **os.environ,
        "AUTOGRADER_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "AUTOGRADER_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}",
        "AUTOGRADER_SUBMISSIONS_PER_MINUTE": "1000",
    }
    services = Services.build(load_settings(environ))
    services.prepare_database()
    specs, _ = read_bank(services.settings.exercises_dir)
    with services.sessions.begin() as session:
        store_specs(session, specs)  # the bank is checked by `autograder exercises check` in `make test`
        tokens = []
        for number in range(learners):
            user = create_user(
                session,
                email=f"bench{number}@example.test",
                name=f"Learner {number}",
                role="learner",
                password="x" * 12,
            )
            tokens.append(create_token(session, user))
    port = free_port()
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        site = subprocess.Popen(site_command("127.0.0.1", port), stderr=subprocess.DEVNULL)
        workers = start_workers(services.settings.workers, burst=False, quiet=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield Site(f"http://127.0.0.1:{port}"), tokens, workers, services
    finally:
        for child in (site, *workers):
            child.terminate()
        for child in (site, *workers):
            child.wait(timeout=60)
        services.queue.delete(delete_jobs=True)
        services.close()


def wait_for_pools(client, workers: list, size: int) -> None:
    """Wait until every worker has its pool's sandboxes running (they are then ready within a moment)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        running = [
            len(client.containers.list(filters={"label": [LABEL, f"{OWNER_LABEL}={owner(worker.pid)}"]}))
            for worker in workers
        ]
        if all(count >= size for count in running):
            time.sleep(1)  # running is not ready: the harness imports pytest for about half a second more
            return
        time.sleep(0.1)
    raise SystemExit("the workers' pools did not fill in 120 s")


def system_figures(spec, runs: int, burst: int) -> dict:
    """(d) submit → verdict at idle, and (e) a burst from many learners at once."""
    client = docker.from_env()
    size = load_settings().sandbox_pool
    with running_system(max(burst, runs)) as (site, tokens, workers, services):
        deadline = time.monotonic() + 60
        while True:
            try:
                site.call("GET", "/api/v1/exercises", tokens[0])
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the site did not answer in 60 s") from None
                time.sleep(0.1)
        # A first submission per worker warms the site and the workers up.
        graded_at(services.sessions, [site.submit(token, spec.solution) for token in tokens[: len(workers)]], 0.05)
        idle = []
        for number in range(runs):
            wait_for_pools(client, workers, size)
            started = time.time()
            submission_id = site.submit(tokens[number], spec.solution)
            idle.append(graded_at(services.sessions, [submission_id], 0.005)[submission_id] - started)
        wait_for_pools(client, workers, size)
        started = time.time()
        with ThreadPoolExecutor(max_workers=burst) as threads:
            sent = dict(threads.map(lambda token: (site.submit(token, spec.solution), time.time()), tokens[:burst]))
        moments = graded_at(services.sessions, list(sent), 0.1)
        seen = [moments[number] - sent_at for number, sent_at in sent.items()]
        drained = max(moments.values()) - started
    client.close()
    return {"idle": idle, "waits": seen, "drained": drained, "workers": len(workers), "graded": len(seen)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burst", type=int, default=30)
    options = parser.parse_args()
    settings = load_settings()
    spec = read_exercise(PROJECT_ROOT / "exercises" / EXERCISE)
    sandbox = sandbox_figures(spec, settings.sandbox_image, options.runs)
    system = system_figures(spec, options.runs, options.burst)
    floor = statistics.median(sandbox["floor"])
    cores = os.cpu_count() or 1
    print(f"{options.runs} runs each, {EXERCISE} reference solution, image {settings.sandbox_image}, {cores} cores")
    print(line("(a) floor: bare pytest, warm container", sandbox["floor"], floor))
    print(line("    a container running `true` (Docker's part)", sandbox["bare"], floor))
    print(line("(b) sandbox run, container started for it", sandbox["cold"], floor))
    print(line("(c) sandbox run, started sandbox (pool)", sandbox["pooled"], floor))
    print(line(f"(d) submit → verdict, idle, {system['workers']} workers", system["idle"], floor))
    ideal = options.burst * floor / cores
    print(
        f"(e) burst of {options.burst} from {options.burst} learners: {system['graded']}/{options.burst} graded, "
        f"drained in {system['drained']:.1f} s = {system['drained'] / ideal:.2f} × the ideal ({ideal:.1f} s); "
        f"wait p50 {statistics.median(system['waits']):.1f} s, p95 {p95(system['waits']):.1f} s"
    )
    print(f"(f) {'floor, 2 in flight':<42} {sandbox['floor_rate']:6.2f} runs/s")
    for name, key in (("sandbox, started for each run", "cold_rate"), ("sandbox, pools refilled", "pooled_rate")):
        ratio = sandbox[key] / sandbox["floor_rate"]
        print(f"    {name + ', 2 in flight':<42} {sandbox[key]:6.2f} runs/s   {ratio:5.2f} × the floor's")


if __name__ == "__main__":
    main()
