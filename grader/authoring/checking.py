"""Check an exercise in the real sandbox: the reference passes every test, twice alike; the starter does not."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.authoring.reader import read_exercise
from grader.authoring.spec import CheckResult, ExerciseInvalid, ExerciseSpec, Problem, limits_of
from grader.settings import Settings
from sandbox import runner
from sandbox.limits import Limits
from sandbox.report import RawRun, SandboxUnavailable

CHECK_WORKERS = 2
"""Exercises checked at once: one per core of a small machine."""

_LINE_IN_TRACEBACK = re.compile(r"(test_\w+\.py):(\d+)")


def check_folder(
    folder: Path, settings: Settings, spec: ExerciseSpec | None = None
) -> tuple[ExerciseSpec | None, CheckResult]:
    """Read the folder (unless its spec is given), then run its checks in the sandbox."""
    if spec is None:
        try:
            spec = read_exercise(folder)
        except ExerciseInvalid as invalid:
            return None, CheckResult(folder.name, None, invalid.problems)
    return spec, check_spec(spec, folder, settings)


def check_folders(
    folders: list[Path], settings: Settings, specs: dict[Path, ExerciseSpec] | None = None
) -> list[tuple[ExerciseSpec | None, CheckResult]]:
    """Check many folders, CHECK_WORKERS at a time, in the order given; specs already read are reused."""
    known = specs or {}
    with ThreadPoolExecutor(CHECK_WORKERS) as pool:
        return list(pool.map(lambda folder: check_folder(folder, settings, known.get(folder)), folders))


def check_spec(spec: ExerciseSpec, folder: Path, settings: Settings) -> CheckResult:
    """Run the reference twice and the starter once; report what an author must fix."""
    limits = limits_of(spec.limits, settings.default_limits)
    try:
        first = _run(spec, spec.solution, limits, settings)
        problems = _loading_problems(first, folder)
        if not problems:
            problems += _reference_problems(first, spec, folder)
        if not problems:
            second = _run(spec, spec.solution, limits, settings)
            problems += _flaky_problems(first, second, spec, folder)
            problems += _starter_problems(_run(spec, spec.starter, limits, settings), spec, folder)
    except SandboxUnavailable as error:
        problems = [Problem(folder, 1, f"could not check in the sandbox: {error}")]
    return CheckResult(spec.slug, spec.version, problems)


def _run(spec: ExerciseSpec, files: dict[str, str], limits: Limits, settings: Settings) -> RawRun:
    return runner.run(
        files,
        spec.tests,
        limits,
        image=settings.sandbox_image,
        runtime=settings.sandbox_runtime,
    )


def _statuses(raw: RawRun) -> dict[str, str]:
    report = raw.report or {}
    return {test["id"]: test["status"] for test in report.get("tests", []) if isinstance(test, dict)}


def _loading_problems(raw: RawRun, folder: Path) -> list[Problem]:
    """Problems that stop the tests from running at all: they do not load, or the reference does not."""
    solution = folder / "solution"
    if raw.timed_out or (raw.report or {}).get("load_timeout") or (raw.report or {}).get("call_timeout"):
        return [Problem(solution, 1, "the reference solution timed out: make it faster or raise limits.wall_seconds")]
    if raw.oom_killed:
        return [Problem(solution, 1, "the reference solution ran out of memory: raise limits.memory_mb")]
    if raw.report is None:
        return [Problem(solution, 1, f"the sandbox gave no report: {raw.report_problem}")]
    if raw.report.get("load_error"):
        return [Problem(solution, 1, f"the reference solution does not load: {raw.report['load_error']}")]
    problems = []
    for error in raw.report.get("collection_errors", []):
        message = str(error.get("message", ""))
        match = _LINE_IN_TRACEBACK.search(message)
        path = folder / str(error.get("id", "tests"))
        marked = [line[1:].strip() for line in message.splitlines() if line.startswith("E ")]
        essence = " / ".join(marked) or message.strip()[-300:]
        line = int(match.group(2)) if match else 1
        problems.append(Problem(path, line, f"the tests do not load: {essence}"[:500]))
    return problems


def _reference_problems(raw: RawRun, spec: ExerciseSpec, folder: Path) -> list[Problem]:
    statuses = _statuses(raw)
    report = raw.report or {}
    problems = []
    for entry in spec.manifest:
        status = statuses.get(entry["id"])
        if status != "passed":
            message = next(
                (test.get("message", "") for test in report.get("tests", []) if test.get("id") == entry["id"]),
                "",
            )
            text = f"the reference solution does not pass '{entry['function']}' ({status or 'not run'}): {message}"
            problems.append(Problem(folder / entry["id"].split("::")[0], 1, text[:500]))
    return problems


def _flaky_problems(first: RawRun, second: RawRun, spec: ExerciseSpec, folder: Path) -> list[Problem]:
    before, after = _statuses(first), _statuses(second)
    return [
        Problem(
            folder / entry["id"].split("::")[0],
            1,
            f"'{entry['function']}' is flaky: {before.get(entry['id'])} then {after.get(entry['id'])} "
            "on two runs of the reference solution",
        )
        for entry in spec.manifest
        if before.get(entry["id"]) != after.get(entry["id"])
    ]


def _starter_problems(raw: RawRun, spec: ExerciseSpec, folder: Path) -> list[Problem]:
    """The starter must fail a hidden test, or any test where all are visible (an exercise of one test)."""
    statuses = _statuses(raw)
    hidden = [entry for entry in spec.manifest if entry["hidden"]]
    judged, which = (hidden, "hidden test") if hidden else (spec.manifest, "test")
    if raw.report is not None and all(statuses.get(entry["id"]) == "passed" for entry in judged):
        return [Problem(folder / "starter", 1, f"the starter passes every {which}: it must leave work to do")]
    return []
