"""The sandbox under gVisor (AUTOGRADER_SANDBOX_RUNTIME=runsc): the same verdicts as under runc."""

import pytest

from grader.models import Outcome
from tests.test_adversarial import CORRECT, HIDDEN_MARKER, WRONG, grade

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _runsc(docker_client):
    if "runsc" not in docker_client.info().get("Runtimes", {}):
        pytest.skip("gVisor's runsc is not registered with Docker (`make test` registers it on Debian as root)")


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (CORRECT, Outcome.PASSED),
        (WRONG, Outcome.FAILED),
        ("while True:\n    pass\n", Outcome.TIMEOUT),
        ("hog = bytearray(10 * 1024**3)\n" + CORRECT, Outcome.MEMORY),
        ("import os\nos._exit(0)\n", Outcome.ERROR),
    ],
    ids=["correct", "wrong", "endless-loop", "memory", "exit"],
)
def test_outcomes_match_runc(code, outcome):
    _, verdict = grade(code, runtime="runsc")
    assert verdict.outcome == outcome


def test_hidden_tests_stay_unreadable():
    snoop = "def add(a, b):\n    return open('/tmp/tests/hidden/test_adder_hidden.py').read()\n"
    _, verdict = grade(snoop, runtime="runsc")
    assert verdict.outcome == Outcome.FAILED
    assert "PermissionError" in verdict.tests[0].message
    assert HIDDEN_MARKER not in "".join(test.message for test in verdict.tests)
