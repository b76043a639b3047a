"""What comes back from one sandbox run: what the host observed, and the report framed by the run's secret."""

import json
from dataclasses import dataclass


class SandboxUnavailable(Exception):
    """The sandbox could not run the submission: our fault, never the learner's."""


@dataclass(frozen=True)
class RawRun:
    """What the host observed of one run; the report is whatever the harness claimed."""

    timed_out: bool
    oom_killed: bool
    """Docker's flag, asked only when the run did not end with a whole report from a living learner's process."""
    exit_code: int | None
    """None when the host killed the run, or did not wait for the end (the whole report had come)."""
    seconds: float
    report: dict | None
    report_problem: str
    output: str


def extract_report(output: str, secret: str) -> tuple[dict | None, str, str]:
    """Find the report framed by the secret; return it, why it is missing, and the other output."""
    end = output.rfind(secret)
    start = output.rfind(secret, 0, end) if end > 0 else -1
    if start < 0:
        return None, "the harness printed no report", output
    body = output[start + len(secret) : end]
    rest = output[:start] + output[end + len(secret) :]
    try:
        report = json.loads(body)
    except ValueError:
        return None, "the report is not valid JSON", rest
    if not isinstance(report, dict):
        return None, "the report is not a JSON object", rest
    return report, "", rest
