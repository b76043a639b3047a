"""Calls per second across the boundary between tests and learner's code, beside two floors measured in the same run.

Usage: .venv/bin/python benchmarks/boundary.py [--calls 10000] [--runs 3]
Inside one real sandbox container, a test times: a plain Python call in its own process (the
floor of any call), a bare round trip of a few bytes to a forked process over a socket pair (the
floor of crossing between processes), then calls through the boundary: a learner's function, a
method of a learner's object, and a learner's function that calls back a function of the test.
"""

import argparse
import statistics

from grader.settings import load_settings
from sandbox.limits import Limits
from sandbox.runner import run

LEARNER = """
class Counter:
    def __init__(self):
        self.count = 0
    def add(self, number):
        self.count += number
        return self.count

def add(a, b):
    return a + b

def apply(action, value):
    return action(value)
"""

TEST = """
import os, socket, time
from bench import Counter, add, apply

CALLS = {calls}

def local_add(a, b):
    return a + b

def double(number):
    return number * 2

def rate(action):
    started = time.perf_counter()
    for number in range(CALLS):
        action(number)
    return CALLS / (time.perf_counter() - started)

def socket_round_trips():
    ours, theirs = socket.socketpair()
    child = os.fork()
    if child == 0:
        ours.close()
        for _ in range(CALLS):
            theirs.sendall(theirs.recv(16))
        os._exit(0)
    theirs.close()
    started = time.perf_counter()
    for _ in range(CALLS):
        ours.sendall(b"12345678")
        ours.recv(16)
    seconds = time.perf_counter() - started
    os.waitpid(child, 0)
    return CALLS / seconds

def test_boundary():
    counter = Counter()
    figures = {{
        "floor: a plain Python call in the tests' process": rate(lambda n: local_add(n, 1)),
        "floor: a socket round trip between two processes": socket_round_trips(),
        "a learner's function, add(n, 1)": rate(lambda n: add(n, 1)),
        "a method of a learner's object, counter.add(n)": rate(counter.add),
        "a learner's function calling the test back": rate(lambda n: apply(double, n)),
    }}
    for name, per_second in figures.items():
        print(f"{{name}}={{per_second:.0f}}")
"""


def measure(calls: int, image: str) -> dict[str, float]:
    """One container run: name → calls per second."""
    raw = run(
        {"bench.py": LEARNER},
        {"visible/test_bench.py": TEST.format(calls=calls)},
        Limits(wall_seconds=60, memory_mb=256),
        image=image,
    )
    tests = (raw.report or {}).get("tests", [])
    if not tests or tests[0].get("status") != "passed":
        raise SystemExit(f"the benchmark run failed: {raw.report_problem or tests}")
    figures = {}
    for line in tests[0]["output"].splitlines():
        name, _, value = line.rpartition("=")
        figures[name] = float(value)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    image = load_settings().sandbox_image
    runs = [measure(args.calls, image) for _ in range(args.runs)]
    print(f"{args.calls} calls each, {args.runs} container runs, median per name, image {image}")
    for name in runs[0]:
        per_second = statistics.median(figures[name] for figures in runs)
        print(f"{name:<52} {per_second:>10,.0f} calls/s   {1e6 / per_second:8.1f} µs a call")


if __name__ == "__main__":
    main()
