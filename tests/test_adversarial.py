"""Hostile submissions, each run in the real sandbox and judged by the real verdict."""

from pathlib import Path

import pytest

from grader.authoring.manifest import manifest_of
from grader.authoring.reader import read_exercise
from grader.grading.submissions import SubmissionRejected, check_files
from grader.grading.verdict import decide
from grader.models import Outcome, TestStatus
from grader.settings import load_settings
from sandbox.limits import Limits
from sandbox.runner import run
from tests.factories import login, make_user, multipart, my_sandbox_containers, with_retries

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).parent / "fixtures" / "adder"
EXERCISE = read_exercise(FIXTURE)
LIMITS = Limits(wall_seconds=5, memory_mb=128)
IMAGE = load_settings({}).sandbox_image
CORRECT = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
HIDDEN_MARKER = "expected-value-4711"


def grade(code: str, *, extra: dict | None = None, tests: dict | None = None, runtime=None, limits: Limits = LIMITS):
    """Run the code against the fixture's tests (or others) and decide as the worker does."""
    tests = tests or EXERCISE.tests
    manifest = [entry for path, source in tests.items() for entry in manifest_of(FIXTURE, path, source)]
    files = {"adder.py": code, **(extra or {})}
    raw = with_retries(lambda: run(files, tests, limits, image=IMAGE, runtime=runtime))
    return raw, decide(raw, manifest, limits)


def probe(code: str, assertion: str):
    """Run one visible test that calls probe() in the learner's code and asserts on what it returned."""
    test = f"from adder import probe\n\ndef test_probe():\n    result = probe()\n    {assertion}\n"
    return grade(code, tests={"visible/test_probe.py": test})


@pytest.fixture(autouse=True)
def _docker(docker_client):
    yield
    assert my_sandbox_containers(docker_client) == []  # nothing left behind


def test_01_endless_loop_at_import_times_out():
    _, verdict = grade("while True:\n    pass\n")
    assert verdict.outcome == Outcome.TIMEOUT


def test_02_endless_loop_in_a_function_is_never_a_pass():
    _, verdict = grade("def add(a, b):\n    while True:\n        pass\n")
    assert verdict.outcome == Outcome.TIMEOUT


def test_03_ignoring_alarm_and_term_still_times_out():
    code = "import signal\nfor s in (signal.SIGALRM, signal.SIGTERM):\n    signal.signal(s, signal.SIG_IGN)\n"
    _, verdict = grade(code + "while True:\n    pass\n")
    assert verdict.outcome == Outcome.TIMEOUT


def test_04_allocating_10_gb_is_memory():
    _, verdict = grade("hog = bytearray(10 * 1024**3)\n" + CORRECT)
    assert verdict.outcome == Outcome.MEMORY


def test_05_fork_bomb_hits_a_limit_and_the_next_submission_grades_normally():
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    _, verdict = grade(bomb + CORRECT)
    assert verdict.outcome in (Outcome.TIMEOUT, Outcome.MEMORY, Outcome.ERROR)
    _, verdict = grade(CORRECT)
    assert verdict.outcome == Outcome.PASSED


def test_05b_multiprocessing_spray_hits_a_limit():
    spray = "import multiprocessing\nprocs = [multiprocessing.Process(target=sum, args=([],)) for _ in range(500)]\n"
    _, verdict = grade(spray + "for p in procs:\n    p.start()\n" + CORRECT)
    assert verdict.outcome != Outcome.PASSED


def test_06_printing_a_flood_is_cut_and_the_verdict_stays_right():
    flood = "def add(a, b):\n    for _ in range(200_000):\n        print('x' * 1000)\n    return a + b\n"
    raw, verdict = grade(flood)
    assert verdict.outcome == Outcome.PASSED
    visible = verdict.tests[0]
    assert visible.output == ""  # passed tests show no output
    assert len(raw.output) <= LIMITS.output_bytes


def test_07_filling_the_disk_fails_inside_the_sandbox():
    code = (
        "def probe():\n"
        "    try:\n"
        "        with open('/tmp/home/fill', 'wb') as f:\n"
        "            while True:\n"
        "                f.write(b'0' * 1_000_000)\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
    )
    _, verdict = probe(code, "assert result == 'OSError'")
    assert verdict.outcome == Outcome.PASSED


@pytest.mark.parametrize("address", ["('127.0.0.1', 6379)", "('127.0.0.1', 5000)", "'/var/run/docker.sock'"])
def test_08_no_socket_reaches_anything(address):
    family = "AF_UNIX" if "sock'" in address else "AF_INET"
    code = (
        "import socket\n"
        "def probe():\n"
        f"    s = socket.socket(socket.{family})\n"
        "    s.settimeout(2)\n"
        "    try:\n"
        f"        s.connect({address})\n"
        "        return 'connected'\n"
        "    except OSError as error:\n"
        "        return 'refused'\n"
    )
    _, verdict = probe(code, "assert result == 'refused'")
    assert verdict.outcome == Outcome.PASSED


def test_09_no_secret_in_environment_or_proc():
    code = (
        "import os\n"
        "def probe():\n"
        "    found = {'env': sorted(os.environ)}\n"
        "    for path in ('/proc/1/environ', '/proc/1/mem', '/proc/1/fd/0', '/proc/1/fd/1'):\n"
        "        try:\n"
        "            open(path, 'rb').read(1)\n"
        "            found[path] = 'readable'\n"
        "        except OSError:\n"
        "            found[path] = 'denied'\n"
        "    return found\n"
    )
    denied = {path: "denied" for path in ("/proc/1/environ", "/proc/1/mem", "/proc/1/fd/0", "/proc/1/fd/1")}
    _, verdict = probe(code, f"assert result == {{'env': ['HOME', 'LANG', 'PATH', 'TMPDIR'], **{denied!r}}}")
    assert verdict.outcome == Outcome.PASSED


def test_10_setuid_mount_unshare_ptrace_are_denied():
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def probe():\n"
        "    results = []\n"
        "    for attempt in (lambda: os.setuid(0), lambda: os.setgid(0)):\n"
        "        try:\n"
        "            attempt()\n"
        "            results.append('allowed')\n"
        "        except PermissionError:\n"
        "            results.append('denied')\n"
        "    results.append(libc.mount(b'none', b'/tmp', b'tmpfs', 0, None))\n"
        "    results.append(libc.unshare(0x10000000))\n"  # CLONE_NEWUSER
        "    results.append(libc.ptrace(16, 1, None, None))\n"  # PTRACE_ATTACH to the harness
        "    return results\n"
    )
    _, verdict = probe(code, "assert result == ['denied', 'denied', -1, -1, -1]")
    assert verdict.outcome == Outcome.PASSED


def test_11_a_daemon_dies_with_the_container(docker_client):
    daemon = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    while True:\n        time.sleep(1)\n"
    raw, verdict = grade(daemon + CORRECT)
    assert verdict.outcome == Outcome.PASSED
    assert raw.seconds < LIMITS.wall_seconds  # the run did not wait for the daemon


def test_12_killing_every_process_cannot_reach_the_harness_and_scores_nothing():
    raw, verdict = grade("import os, signal\ndef add(a, b):\n    os.kill(-1, signal.SIGKILL)\n    return a + b\n")
    assert raw.report is not None  # the harness runs as another user, so the kill cannot reach it
    assert verdict.outcome == Outcome.FAILED and verdict.score() == 0
    assert "ProcessLookupError" in verdict.tests[0].message


def test_13_os_exit_during_import_or_in_a_test_is_an_error():
    _, at_import = grade("import os\nos._exit(0)\n")
    _, in_test = grade("import os\ndef add(a, b):\n    os._exit(0)\n")
    assert at_import.outcome == Outcome.ERROR and in_test.outcome == Outcome.ERROR


def test_14_sys_exit_in_the_solution_fails_that_test():
    _, verdict = grade("import sys\ndef add(a, b):\n    sys.exit(0)\n")
    assert verdict.outcome == Outcome.FAILED
    assert "exit()" in verdict.tests[0].message


def test_15_to_17_config_and_shadowing_files_are_refused_on_submission():
    class Exercise:
        files = ("adder.py",)

    for name in ("conftest.py", "pytest.ini", "pyproject.toml", "sitecustomize.py", "pytest.py", "json.py"):
        with pytest.raises(SubmissionRejected, match="not a file of this exercise"):
            check_files(Exercise(), {"adder.py": CORRECT, name: "x = 1"}, 64_000)


def test_15_to_17_and_have_no_effect_even_inside_the_sandbox():
    extra = {
        "conftest.py": "import pytest\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtest_call():\n    return True\n",
        "pytest.ini": "[pytest]\npython_files = nothing_*.py\n",
        "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-k nothing'\n",
        "sitecustomize.py": "import os\nos._exit(0)\n",
        "pytest.py": "raise SystemExit(0)\n",
        "json.py": "dumps = lambda *a, **k: '{}'\n",
    }
    _, verdict = grade(WRONG, extra=extra)
    assert verdict.outcome == Outcome.FAILED
    assert [test.status for test in verdict.tests] == [TestStatus.FAILED, TestStatus.FAILED]


def test_18_patching_pytest_or_json_at_import_changes_nothing():
    patch = (
        "import json, sys\n"
        "json.dumps = lambda *a, **k: '{\"tests\": []}'\n"
        "json.dump = lambda *a, **k: None\n"
        "try:\n"
        "    import _pytest.runner\n"
        "    _pytest.runner.call_and_report = lambda *a, **k: None\n"
        "except ImportError:\n"
        "    pass\n"
    )
    _, verdict = grade(patch + WRONG)
    assert verdict.outcome == Outcome.FAILED


def test_19_20_writing_or_breaking_the_report_channel_is_rejected():
    forge = (
        "import os\n"
        "def add(a, b):\n"
        "    for path in ('/proc/1/fd/1', '/dev/stdout', '/tmp/report.json'):\n"
        "        try:\n"
        "            with open(path, 'w') as f:\n"
        '                f.write(\'{"tests": [], "collection_errors": []}\')\n'
        "        except OSError:\n"
        "            pass\n"
        "    try:\n"
        "        os.symlink('/dev/null', '/tmp/tests')\n"
        "    except OSError:\n"
        "        pass\n"
        "    return a - b\n"
    )
    _, verdict = grade(forge)
    assert verdict.outcome == Outcome.FAILED
    _, closed = grade("import os\ndef add(a, b):\n    os.closerange(0, 1024)\n    return a + b\n")
    assert closed.outcome == Outcome.ERROR


def test_21_an_object_equal_to_everything_fails():
    code = "class Always:\n    def __eq__(self, other):\n        return True\n\ndef add(a, b):\n    return Always()\n"
    _, verdict = grade(code)
    assert verdict.outcome == Outcome.FAILED
    assert "cannot check" in verdict.tests[0].message


def test_22_hidden_tests_and_their_values_stay_out_of_reach():
    snoop = (
        "import os, sys\n"
        "def add(a, b):\n"
        "    seen = []\n"
        "    for root, dirs, files in os.walk('/tmp'):\n"
        "        for name in files:\n"
        "            try:\n"
        "                seen.append(open(os.path.join(root, name)).read())\n"
        "            except OSError:\n"
        "                pass\n"
        "    frame = sys._getframe(1)\n"
        "    while frame:\n"
        "        seen.append(repr(frame.f_locals))\n"
        "        frame = frame.f_back\n"
        "    print(seen)\n"
        "    raise ValueError(repr(seen))\n"
    )
    raw, verdict = grade(snoop)
    assert verdict.outcome == Outcome.FAILED
    shown = "".join(test.message + test.output for test in verdict.tests) + verdict.feedback
    assert HIDDEN_MARKER not in shown and "-4711" not in shown
    assert "test_negative_numbers" not in raw.output


def test_23_printing_success_or_fake_json_is_ignored():
    fake = 'print("all tests passed")\nprint(\'{"tests": [], "collection_errors": []}\')\n'
    _, verdict = grade(fake + WRONG)
    assert verdict.outcome == Outcome.FAILED


def test_24_hostile_output_is_inert_text_on_the_page(app, client, drain_queue, docker_client):
    login(client, make_user(app))
    code = "def greet(name):\n    print('<script>alert(1)</script>\\x1b[31mred\\x00nul')\n    return '<b>bold</b>'\n"
    location = client.post("/exercises/hello-name/submissions", data={"code:hello.py": code}).location
    drain_queue()
    page = client.get(location).text
    assert "<script>alert(1)" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "\x1b" not in page and "\x00" not in page


# Werkzeug stops parsing at 1,000 form parts with a 413 and leaves the parts it had read to the
# garbage collector, which warns; the refusal itself is what this test is about.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_25_archives_many_files_and_odd_names_are_refused_before_storing(app, client):
    login(client, make_user(app))
    uploads = [
        [("hello.zip", b"PK\x03\x04" + b"\0" * 100)],
        [(f"file{n}.py", b"x = 1\n") for n in range(10_000)],
        [("../hello.py", b"x = 1\n")],
    ]
    for files in uploads:
        body, content_type = multipart(files)
        response = client.post("/exercises/hello-name/submissions", data=body, content_type=content_type)
        assert response.status_code in (400, 413), (files[0][0], response.status_code)
    assert client.get("/exercises/hello-name").text.count("/submissions/") == 0


def test_26_a_flood_of_submissions_is_throttled_and_others_are_not(app, client):
    flooder, other = make_user(app), make_user(app)
    login(client, flooder)
    statuses = [
        client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).status_code for _ in range(30)
    ]
    assert statuses[:2] == [302] * 2 and set(statuses[2:]) == {429}  # two wait for the grader; the rest is refused
    refused = client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT})
    assert "earlier submissions are still being graded" in refused.text
    other_client = app.test_client()
    login(other_client, other)
    assert other_client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).status_code == 302


def test_26b_many_quick_results_are_throttled_by_the_minute(app_with):
    app = app_with(AUTOGRADER_SUBMISSIONS_IN_FLIGHT="100")  # as if every result came at once
    client = app.test_client()
    login(client, make_user(app))
    statuses = [
        client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).status_code for _ in range(12)
    ]
    assert statuses[:10] == [302] * 10 and set(statuses[10:]) == {429}
    refused = client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT})
    assert "submissions in the last minute" in refused.text


def test_27_planting_a_conftest_or_package_in_tmp_changes_nothing():
    plant = (
        "for name, text in (\n"
        "    ('/tmp/conftest.py', 'import pytest\\n@pytest.hookimpl(hookwrapper=True)\\n'\n"
        "     'def pytest_runtest_makereport(item, call):\\n    outcome = yield\\n'\n"
        "     '    outcome.get_result().outcome = \"passed\"\\n'),\n"
        "    ('/tmp/__init__.py', ''),\n"
        "    ('/tmp/tests-tmp/x', ''),\n"
        "):\n"
        "    try:\n"
        "        open(name, 'w').write(text)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    _, verdict = grade(plant + WRONG)
    assert verdict.outcome == Outcome.FAILED


def test_28_inputs_of_hidden_tests_never_reach_a_visible_message():
    spy = "seen = []\ndef add(a, b):\n    seen.append((a, b))\n    raise ValueError(repr(seen))\n"
    _, verdict = grade(spy)
    shown = "".join(test.message + test.output for test in verdict.tests)
    assert "-4000" not in shown and "-711" not in shown
    assert "(2, 3)" in verdict.tests[0].message  # the visible test's own arguments are fine to show


def test_29_a_stop_iteration_cannot_end_a_tests_loop_early():
    code = "def add(a, b):\n    raise StopIteration\n"
    test = "from adder import add\n\ndef test_all():\n    assert all(map(lambda p: add(*p) == 0, [(1, 2), (3, 4)]))\n"
    _, verdict = grade(code, tests={"visible/test_all.py": test})
    assert verdict.outcome == Outcome.FAILED
