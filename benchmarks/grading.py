"""Time grading runs in the sandbox against the physical floor, measured in the same run and interleaved.

Usage: .venv/bin/python benchmarks/grading.py [--runs N]
The floor is a bare pytest process on the same files inside a warm container of the same image,
timed inside the container: what any grader must pay. Beside it: a hardened container that runs
only `python3 -c pass`, a full sandbox run, and throughput with two runs in flight; each figure is
also given as a ratio to the floor.
"""

import argparse
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import docker

from grader.authoring.reader import read_exercise
from grader.settings import PROJECT_ROOT, load_settings
from sandbox.container import container_options
from sandbox.limits import Limits
from sandbox.runner import run


def bare_start(client, image: str, limits: Limits) -> float:
    """Seconds to create, start, wait for and remove a hardened container that does nothing."""
    options = container_options(limits, None)
    options.update(stdin_open=False, entrypoint=["python3", "-c", "pass"])
    started = time.perf_counter()
    container = client.containers.create(image, **options)
    try:
        container.start()
        container.wait(timeout=30)
    finally:
        container.remove(force=True)
    return time.perf_counter() - started


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


def warm_container(client, image: str, limits: Limits):
    """A running container of the sandbox image with the same hardening, idle, to run the floor in."""
    options = container_options(limits, None)
    options.update(stdin_open=False, entrypoint=["sleep", "3600"])
    container = client.containers.create(image, **options)
    container.start()
    return container


def floor_run(container, spec, files: dict, count: int = 1) -> float:
    """Seconds of count bare pytest processes, one after the other, on the exercise's files, timed inside."""
    laid_out = {f"learner/{name}": text for name, text in files.items()}
    laid_out.update({f"tests/{path}": text for path, text in spec.tests.items()})
    result = container.exec_run(["python3", "-c", FLOOR_SCRIPT, json.dumps(laid_out), str(count)])
    return float(result.output.decode().strip().splitlines()[-1])


def floor_throughput(containers: list, spec, files: dict, runs: int) -> float:
    """Bare pytest runs a second with one in flight in each warm container, timed inside them."""
    with ThreadPoolExecutor(max_workers=len(containers)) as pool:
        inside = list(pool.map(lambda container: floor_run(container, spec, files, runs), containers))
    return len(containers) * runs / max(inside)


def throughput(work, runs: int) -> float:
    """Runs a second with two in flight."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: work(), range(runs)))
    return runs / (time.perf_counter() - started)


def grading_run(spec, files: dict, image: str, limits: Limits) -> float:
    """Seconds for one full sandbox run of the exercise's tests."""
    started = time.perf_counter()
    raw = run(files, spec.tests, limits, image=image)
    if raw.report is None:
        raise SystemExit(f"the run produced no report: {raw.report_problem}")
    return time.perf_counter() - started


def summary(name: str, seconds: list[float], floor: float) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"{name:<44} median {median * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms   {median / floor:5.2f} × the floor"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    settings = load_settings()
    spec = read_exercise(PROJECT_ROOT / "exercises" / "hello-name")
    limits = Limits(wall_seconds=10, memory_mb=128)
    client = docker.from_env()
    warm, second = (warm_container(client, settings.sandbox_image, limits) for _ in range(2))
    floor, bare, cold = "floor: bare pytest, warm container", "bare hardened container (python3 -c pass)", "sandbox run"
    rows: dict[str, list[float]] = {floor: [], bare: [], cold: []}
    try:
        floor_run(warm, spec, spec.solution)  # the first pytest start fills the page cache
        for _ in range(runs):  # interleaved, so drift in the machine's load hits all alike
            rows[floor].append(floor_run(warm, spec, spec.solution))
            rows[bare].append(bare_start(client, settings.sandbox_image, limits))
            rows[cold].append(grading_run(spec, spec.solution, settings.sandbox_image, limits))
        floor_rate = floor_throughput([warm, second], spec, spec.solution, runs)
        sandbox_rate = throughput(lambda: grading_run(spec, spec.solution, settings.sandbox_image, limits), runs)
    finally:
        for container in (warm, second):
            container.remove(force=True)
    floor_median = statistics.median(rows[floor])
    print(f"{runs} runs each, hello-name reference solution, image {settings.sandbox_image}")
    for name, seconds in rows.items():
        print(summary(name, seconds, floor_median))
    print(f"{'floor, 2 in flight':<44} {floor_rate:6.2f} runs/s")
    print(
        f"{'sandbox runs, 2 in flight':<44} {sandbox_rate:6.2f} runs/s   {sandbox_rate / floor_rate:5.2f} × the floor's"
    )
    client.close()


if __name__ == "__main__":
    main()
