"""The sandbox on its own: what a submission can and cannot do inside its container."""

import pytest

from grader.settings import load_settings
from sandbox.limits import Limits
from sandbox.runner import run

pytestmark = pytest.mark.integration

IMAGE = load_settings({}).sandbox_image


def outcome_of(code: str, test: str) -> dict:
    """Run one test against one learner file; return the status and message of that test."""
    raw = run({"solution.py": code}, {"visible/test_it.py": test}, Limits(), image=IMAGE)
    assert raw.report is not None, raw
    [result] = raw.report["tests"]
    return result


def test_there_is_no_network(docker_client):
    code = "import socket\ndef connect():\n    socket.create_connection(('127.0.0.1', 6379), timeout=2)\n"
    test = (
        "import pytest\n"
        "from solution import connect\n"
        "def test_it():\n"
        "    with pytest.raises(OSError):\n"
        "        connect()\n"
    )
    assert outcome_of(code, test)["status"] == "passed"


def test_runs_as_an_unprivileged_user_on_a_read_only_root(docker_client):
    code = (
        "import os\n"
        "def probe():\n"
        "    try:\n"
        "        open('/etc/evil', 'w')\n"
        "        writable = True\n"
        "    except OSError:\n"
        "        writable = False\n"
        "    return os.getuid(), writable\n"
    )
    test = "from solution import probe\ndef test_it():\n    assert probe() == (10002, False)\n"
    assert outcome_of(code, test)["status"] == "passed"


def test_memory_over_the_limit_is_seen_by_the_host(docker_client):
    raw = run(
        {"solution.py": "hog = bytearray(512 * 1024 * 1024)\n"},
        {"visible/test_it.py": "import solution\ndef test_it():\n    pass\n"},
        Limits(memory_mb=64, wall_seconds=10),
        image=IMAGE,
    )
    assert raw.oom_killed  # the kernel killed the learner's process; the host reads the flag


def test_the_wall_clock_limit_is_kept_by_the_host(docker_client):
    endless = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass\n"
    raw = run(
        {"solution.py": "x = 1\n"},
        {"visible/test_it.py": endless + "def test_it():\n    pass\n"},  # the harness itself loops:
        Limits(wall_seconds=2),  # only the host can stop it
        image=IMAGE,
    )
    assert raw.timed_out and raw.report is None
    assert raw.seconds < 2 + 3


def test_tests_can_run_a_program_with_input_and_read_its_output(docker_client):
    code = "name = input('Your name? ')\nprint(f'Hello, {name}!')\n"
    test = (
        "from grading import run_program\n"
        "def test_it():\n"
        "    assert run_program('solution', stdin='Ann\\n') == 'Your name? Hello, Ann!\\n'\n"
    )
    assert outcome_of(code, test)["status"] == "passed"


def test_tests_can_feed_input_to_a_function_and_capture_what_it_prints(docker_client):
    code = "def ask():\n    age = int(input())\n    print('next year:', age + 1)\n    return age\n"
    test = (
        "from grading import given_input\n"
        "from solution import ask\n"
        "def test_it(capsys):\n"
        "    with given_input('41\\n'):\n"
        "        assert ask() == 41\n"
        "    assert capsys.readouterr().out == 'next year: 42\\n'\n"
    )
    assert outcome_of(code, test)["status"] == "passed"


def test_exceptions_cross_as_pythons_own_kinds_with_the_line(docker_client):
    code = "def divide(a, b):\n    return a / b\n"
    test = (
        "import pytest\n"
        "from solution import divide\n"
        "def test_it():\n"
        "    with pytest.raises(ZeroDivisionError, match='^division by zero$') as raised:\n"
        "        divide(1, 0)\n"
        "    assert raised.value.__notes__ == ['(raised in solution.py, line 2, in divide)']\n"
    )
    assert outcome_of(code, test)["status"] == "passed"


def test_an_unexpected_exception_shows_where_it_was_raised(docker_client):
    code = "def divide(a, b):\n    return a / b\n"
    test = "from solution import divide\ndef test_it():\n    assert divide(1, 0) == 0\n"
    result = outcome_of(code, test)
    assert result["status"] == "failed"
    assert "ZeroDivisionError: division by zero" in result["message"]
    assert "raised in solution.py, line 2, in divide" in result["message"]


def test_tests_can_share_a_file_the_learner_reads_but_cannot_change(docker_client):
    code = (
        "def count_lines(path):\n"
        "    with open(path) as handle:\n"
        "        lines = len(handle.readlines())\n"
        "    try:\n"
        "        open(path, 'a').write('x')\n"
        "        return lines, 'changed'\n"
        "    except OSError:\n"
        "        return lines, 'read-only'\n"
    )
    test = (
        "from grading import shared_file\n"
        "from solution import count_lines\n"
        "def test_it():\n"
        "    assert count_lines(shared_file('data.csv', 'a,b\\n1,2\\n')) == (2, 'read-only')\n"
    )
    assert outcome_of(code, test)["status"] == "passed"
