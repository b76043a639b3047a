"""Time one grading run in the sandbox against a bare container start, measured in the same run.

Usage: .venv/bin/python benchmarks/grading.py [--runs N]
The baseline is a container with the same image and hardening that runs only `python3 -c pass`:
the part of a run no grader can avoid. The rest is the harness, the two processes and pytest.
"""

import argparse
import statistics
import time

import docker

from grader.authoring.reader import read_exercise
from grader.settings import PROJECT_ROOT, load_settings
from sandbox.limits import Limits
from sandbox.runner import container_options, run


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


def grading_run(spec, files: dict, image: str, limits: Limits) -> float:
    """Seconds for one full sandbox run of the exercise's tests."""
    started = time.perf_counter()
    raw = run(files, spec.tests, limits, image=image)
    if raw.report is None:
        raise SystemExit(f"the run produced no report: {raw.report_problem}")
    return time.perf_counter() - started


def summary(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:<44} median {statistics.median(ordered) * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    settings = load_settings()
    spec = read_exercise(PROJECT_ROOT / "exercises" / "hello-name")
    limits = Limits(wall_seconds=10, memory_mb=128)
    client = docker.from_env()
    rows = {
        "baseline: bare hardened container (python3 -c pass)": [],
        "grading run (learner's code in its own process)": [],
    }
    for _ in range(runs):  # interleaved, so drift in the machine's load hits both alike
        rows["baseline: bare hardened container (python3 -c pass)"].append(
            bare_start(client, settings.sandbox_image, limits)
        )
        rows["grading run (learner's code in its own process)"].append(
            grading_run(spec, spec.solution, settings.sandbox_image, limits)
        )
    print(f"{runs} runs each, hello-name reference solution, image {settings.sandbox_image}")
    for name, seconds in rows.items():
        print(summary(name, seconds))
    client.close()


if __name__ == "__main__":
    main()
