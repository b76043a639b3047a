"""Started sandboxes: one submission each, the same sandbox as a cold one, and every fault ends in a fresh one."""

import contextlib
import io
import json
import signal
import subprocess
import sys
import time

import docker.errors
import pytest

from grader.authoring.reader import read_exercise
from grader.grading import jobs
from grader.models import Outcome, Status, Submission
from grader.settings import PROJECT_ROOT, load_settings
from sandbox.container import OWNER_LABEL, owner
from sandbox.limits import Limits
from sandbox.pool import WAIT_FOR_PREPARED_SECONDS, Pool
from sandbox.reaper import reap
from sandbox.report import SandboxUnavailable
from sandbox.runner import run
from sandbox.started import NotReady, NotTaken, StartedSandbox
from tests.factories import login, make_user, my_sandbox_containers, services_of, sessions, wait_until, with_retries

pytestmark = pytest.mark.integration

IMAGE = load_settings({}).sandbox_image
HELLO = read_exercise(PROJECT_ROOT / "exercises" / "hello-name")
LIMITS = Limits(wall_seconds=10, memory_mb=128)

FACTS = """
import hashlib, json, os, resource

def read(*paths):
    for path in paths:
        try:
            with open(path) as handle:
                return handle.read().strip()
        except OSError:
            pass
    return "unreadable"

def digest(lines):
    return hashlib.sha256(" | ".join(sorted(lines)).encode()).hexdigest()[:16]

def mount_of(fields):
    # Where, what, and its options but the paths of this container's own layers.
    own = ("lowerdir", "upperdir", "workdir")
    return " ".join([*fields[1:3], *(option for option in fields[3].split(",") if not option.startswith(own))])

def facts():
    status = dict(line.split(":", 1) for line in read("/proc/self/status").splitlines() if ":" in line)
    names = ("RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_NPROC")
    return json.dumps({
        "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()],
        "places": [os.getcwd(), sorted(os.listdir("/tmp")), sorted(os.listdir("."))],
        "environment": digest(f"{key}={value}" for key, value in os.environ.items()),
        "limits": [resource.getrlimit(getattr(resource, name)) for name in names],
        "memory": read("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"),
        "swap": read("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", "/sys/fs/cgroup/memory.swap.max"),
        "pids": read("/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max"),
        "cpu": read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu.max"),
        "status": [status.get(key, "").strip() for key in ("CapEff", "CapBnd", "NoNewPrivs", "Seccomp")],
        "mounts": digest(mount_of(line.split()) for line in read("/proc/self/mounts").splitlines()),
        "processes": len([name for name in os.listdir("/proc") if name.isdigit()]),
    }, sort_keys=True)
"""
FACTS_TEST = "from facts import facts\n\ndef test_facts():\n    print(facts())\n"


def facts_of(raw) -> dict:
    """What the learner's code saw, from the captured output of the one test."""
    assert raw.report is not None, raw
    (test,) = raw.report["tests"]
    assert test["status"] == "passed", test
    return json.loads(test["output"])


@pytest.fixture
def pool(docker_client):
    pools = []

    def make(**options) -> Pool:
        options = {"image": IMAGE, "runtime": None, "limits": LIMITS, "size": 1, **options}
        made = Pool(options.pop("image"), options.pop("runtime"), options.pop("limits"), **options).start()
        pools.append(made)
        return made

    yield make
    for made in pools:
        made.close()
    assert my_sandbox_containers(docker_client) == []  # closing a pool removes every sandbox it made


def run_hello(pool: Pool, limits: Limits = LIMITS, runtime=None):
    return with_retries(lambda: pool.run(HELLO.solution, HELLO.tests, limits, image=IMAGE, runtime=runtime))


def passed(raw) -> bool:
    return raw.report is not None and [test["status"] for test in raw.report["tests"]] == ["passed"] * 3


def test_a_started_sandbox_grades_one_submission_and_is_then_replaced(pool, docker_client):
    made = pool(size=1)
    assert made.wait_until_ready(1, 60)
    (waiting,) = my_sandbox_containers(docker_client)
    raw = run_hello(made)
    assert passed(raw) and not raw.timed_out
    assert (made.served_ready, made.served_cold) == (1, 0)
    # The one that graded is removed, never used again; a new one waits in its place.
    wait_until(lambda: waiting.id not in [c.id for c in my_sandbox_containers(docker_client)], what="removal")
    assert made.wait_until_ready(1, 60)
    assert waiting.id not in [c.id for c in my_sandbox_containers(docker_client)]


def test_the_wall_clock_counts_from_the_hand_over(pool):
    made = pool(size=1)
    assert made.wait_until_ready(1, 60)
    time.sleep(2.5)  # waiting longer than the run's whole limit must not count against it
    raw = run_hello(made, Limits(wall_seconds=2, memory_mb=128))
    assert passed(raw) and not raw.timed_out and raw.seconds < 2


def test_an_endless_loop_times_out_in_a_started_sandbox(pool):
    made = pool(size=1)
    assert made.wait_until_ready(1, 60)
    raw = made.run(
        {"hello.py": "while True:\n    pass\n"},
        HELLO.tests,
        Limits(wall_seconds=3, memory_mb=128),
        image=IMAGE,
        runtime=None,
    )
    assert raw.timed_out or (raw.report or {}).get("load_timeout") is True
    assert made.served_ready == 1


def test_the_learner_cannot_tell_a_started_sandbox_from_a_cold_one(pool, docker_client):
    files, tests = {"facts.py": FACTS}, {"visible/test_facts.py": FACTS_TEST}
    job_limits = Limits(wall_seconds=10, memory_mb=96)  # not what the pool's sandboxes were made with
    made = pool(size=1, limits=Limits(wall_seconds=10, memory_mb=200))
    assert made.wait_until_ready(1, 60)
    time.sleep(1)  # idle a while, as a started sandbox does
    warm = facts_of(made.run(files, tests, job_limits, image=IMAGE, runtime=None))
    cold = facts_of(run(files, tests, job_limits, image=IMAGE))
    assert made.served_ready == 1
    assert warm == cold
    assert str(96 * 1024 * 1024) in warm["memory"]  # the job's limit, set before the job went in


def test_a_sandbox_that_died_while_waiting_is_replaced_and_the_submission_is_graded_at_its_first_try(
    app, client, docker_client
):
    login(client, make_user(app))
    made = Pool(IMAGE, None, LIMITS, size=1).start()
    jobs.use_pool(made)
    try:
        assert made.wait_until_ready(1, 60)
        (waiting,) = my_sandbox_containers(docker_client)
        waiting.kill()
        wait_until(lambda: docker_client.containers.get(waiting.id).status == "exited", what="the kill")
        location = client.post("/exercises/hello-name/submissions", data={"code:hello.py": HELLO.solution["hello.py"]})
        submission_id = int(location.location.rsplit("/", 1)[1])
        assert jobs.grade(services_of(app), submission_id, 1) == "graded"
    finally:
        jobs.use_pool(None)
        made.close()
    with sessions(app)() as session:
        graded = session.get(Submission, submission_id)
        assert graded.status == Status.GRADED and graded.outcome == Outcome.PASSED
        assert graded.tries == 0 and graded.attempt == 1  # the dead sandbox cost no try: none failed
    assert made.discarded >= 1
    assert my_sandbox_containers(docker_client) == []


def test_a_sandbox_killed_for_memory_while_waiting_is_replaced(pool, docker_client):
    made = pool(size=1, limits=Limits(wall_seconds=10, memory_mb=96))
    assert made.wait_until_ready(1, 60)
    (waiting,) = my_sandbox_containers(docker_client)
    # Make the harness the kernel's first choice, then fill the container's memory.
    hog = "echo 1000 > /proc/1/oom_score_adj && python3 -c 'b = bytearray(400 << 20)'"
    waiting.exec_run(["sh", "-c", hog], user="0")
    wait_until(lambda: docker_client.api.inspect_container(waiting.id)["State"]["OOMKilled"], what="the OOM kill")
    raw = run_hello(made, Limits(wall_seconds=10, memory_mb=96))
    assert passed(raw) and not raw.oom_killed
    assert made.discarded >= 1


def test_a_sandbox_gone_before_its_job_arrived_is_not_taken(docker_client):
    sandbox = StartedSandbox.start(docker_client, IMAGE, None, LIMITS, idle_seconds=60)
    try:
        sandbox.wait_ready(60)
        docker_client.api.kill(sandbox.id)
        wait_until(lambda: not sandbox.is_waiting(), what="the socket closing")
        with pytest.raises(NotTaken):
            sandbox.run(docker_client, HELLO.solution, HELLO.tests, LIMITS)
    finally:
        sandbox.remove(docker_client)


@pytest.fixture
def image_tag(docker_client):
    """A tag of our own for the pool to follow, and images built from the sandbox image (offline: no pull)."""
    tag = f"autograder-test-pool:{time.monotonic_ns()}"

    def build(extra: str) -> str:
        dockerfile = f"FROM {IMAGE}\n{extra}\n".encode()
        image, _ = docker_client.images.build(fileobj=io.BytesIO(dockerfile), rm=True, pull=False)
        return str(image.id)

    def point_at(image_id: str) -> None:
        docker_client.images.get(image_id).tag(tag)

    built: list[str] = []

    def build_and_keep(extra: str) -> str:
        built.append(build(extra))
        return built[-1]

    yield tag, build_and_keep, point_at
    with contextlib.suppress(docker.errors.DockerException):
        docker_client.images.remove(tag, noprune=True)
    for image_id in built:
        with contextlib.suppress(docker.errors.DockerException):
            docker_client.images.remove(image_id)


def test_a_harness_that_never_gets_ready_is_discarded(docker_client, image_tag, pool):
    tag, build, point_at = image_tag
    stuck = build('ENTRYPOINT ["sleep", "600"]')
    sandbox = StartedSandbox.start(docker_client, stuck, None, LIMITS, idle_seconds=60)
    try:
        with pytest.raises(NotReady, match="not ready after"):
            sandbox.wait_ready(1)
    finally:
        sandbox.remove(docker_client)
    point_at(stuck)
    made = pool(image=tag, size=1, ready_seconds=3)
    wait_until(lambda: made.failing, what="the first failed preparation")
    point_at(build("LABEL autograder.test=working"))
    assert made.wait_until_ready(1, 90)  # the stuck ones were removed; one of the image named now waits
    assert [c.image.id for c in my_sandbox_containers(docker_client)] == [docker_client.images.get(tag).id]
    assert passed(made.run(HELLO.solution, HELLO.tests, LIMITS, image=tag, runtime=None))


def test_waiting_sandboxes_follow_the_image_when_it_is_rebuilt(docker_client, image_tag, pool):
    tag, build, point_at = image_tag
    point_at(build("LABEL autograder.test=first"))
    made = pool(image=tag, size=1)
    assert made.wait_until_ready(1, 60)
    second = build("LABEL autograder.test=second")
    point_at(second)

    def all_of_second() -> bool:
        containers = my_sandbox_containers(docker_client)
        return made.ready_count() == 1 and [c.image.id for c in containers if c.status == "running"] == [second]

    wait_until(all_of_second, what="the replacement by the rebuilt image")
    assert passed(made.run(HELLO.solution, HELLO.tests, LIMITS, image=tag, runtime=None))
    assert made.served_ready == 1


def test_waiting_sandboxes_are_replaced_when_too_old(pool, docker_client):
    made = pool(size=1, idle_seconds=1)
    assert made.wait_until_ready(1, 60)
    (first,) = my_sandbox_containers(docker_client)
    wait_until(lambda: first.id not in [c.id for c in my_sandbox_containers(docker_client)], what="the retirement")
    assert made.wait_until_ready(1, 60)


def test_a_job_for_another_runtime_gets_a_sandbox_of_that_runtime(pool, docker_client):
    if "runsc" not in docker_client.info().get("Runtimes", {}):
        pytest.fail("gVisor's runsc is not registered with Docker; run the tests with `make test`")
    made = pool(size=1)
    assert made.wait_until_ready(1, 60)
    (runc,) = my_sandbox_containers(docker_client)
    assert passed(run_hello(made, runtime="runsc"))
    assert made.wait_until_ready(1, 90)
    running = [c for c in my_sandbox_containers(docker_client) if c.status == "running"]
    assert len(running) == 1 and running[0].id != runc.id
    assert docker_client.api.inspect_container(running[0].id)["HostConfig"]["Runtime"] == "runsc"
    # Under gVisor, from the pool. A run gVisor broke (it happens on a loaded machine) is tried again, cold
    # when no runsc sandbox is ready yet: then the next job, once one is ready, must be served from the pool.
    for _ in range(3):
        assert passed(run_hello(made, runtime="runsc"))
        if made.served_ready >= 1:
            break
        assert made.wait_until_ready(1, 90)
    assert made.served_ready >= 1


def test_under_gvisor_a_job_of_other_memory_starts_its_own_and_the_pool_follows(pool, docker_client):
    if "runsc" not in docker_client.info().get("Runtimes", {}):
        pytest.fail("gVisor's runsc is not registered with Docker; run the tests with `make test`")
    made = pool(size=1, runtime="runsc", limits=Limits(wall_seconds=10, memory_mb=200))
    assert made.wait_until_ready(1, 90)
    other = Limits(wall_seconds=10, memory_mb=96)
    assert passed(run_hello(made, other, runtime="runsc"))  # runsc cannot resize the waiting one: a cold start
    assert made.served_cold >= 1 and made.discarded >= 1
    assert made.wait_until_ready(1, 90)  # made with the latest job's memory now
    (waiting,) = [c for c in my_sandbox_containers(docker_client) if c.status == "running"]
    assert docker_client.api.inspect_container(waiting.id)["HostConfig"]["Memory"] == 96 * 1024 * 1024
    assert passed(run_hello(made, other, runtime="runsc"))


def start_worker(settings_env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader.cli", "worker"], stderr=subprocess.DEVNULL)


def containers_of(client, label: str) -> list:
    return client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={label}"}, ignore_removed=True)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_stopped_worker_removes_its_waiting_sandboxes(app, settings_env, docker_client, stop):
    worker = start_worker(settings_env)
    label = owner(worker.pid)  # read while it lives: the label holds its start time
    try:
        wait_until(lambda: len(containers_of(docker_client, label)) >= 1, 90, "the worker's pool")
        worker.send_signal(stop)
        assert worker.wait(timeout=60) is not None
    finally:
        worker.kill()
        worker.wait()
    assert containers_of(docker_client, label) == []


def test_the_reaper_removes_the_sandboxes_of_a_killed_worker(app, settings_env, docker_client):
    worker = start_worker(settings_env)
    label = owner(worker.pid)  # read while it lives: the label holds its start time
    try:
        wait_until(lambda: len(containers_of(docker_client, label)) >= 1, 90, "the worker's pool")
    finally:
        worker.kill()
        worker.wait()
    assert reap(docker_client) >= 1  # their deadline is far away, but their owner is gone
    assert containers_of(docker_client, label) == []


def test_a_pool_that_cannot_prepare_does_not_hold_a_job_up(pool):
    made = pool(image="autograder-missing:none", size=1)
    wait_until(lambda: made.failing, what="the failed preparation")
    started = time.monotonic()
    with pytest.raises(SandboxUnavailable, match="missing"):
        made.run(HELLO.solution, HELLO.tests, LIMITS, image="autograder-missing:none", runtime=None)
    assert time.monotonic() - started < WAIT_FOR_PREPARED_SECONDS  # it did not wait for a sandbox never coming


def test_the_reaper_judges_only_processes_it_can_see():
    from sandbox.reaper import owner_is_gone

    mine = owner()
    host, pid, namespace, start, boot = mine.split(":")
    assert not owner_is_gone(mine)
    assert owner_is_gone(f"{host}:{pid}:{namespace}:{int(start) + 1}:{boot}")  # the pid was reused by another process
    assert owner_is_gone(f"{host}:4194303:{namespace}:1:{boot}")  # no such process
    assert owner_is_gone(f"another-{host}:4194303:{namespace}:1:{boot}")  # this machine under another name
    assert not owner_is_gone(f"{host}:4194303:1:1:{boot}")  # another PID namespace of this machine: not ours to judge
    assert not owner_is_gone(f"{host}:4194303:{namespace}:1:another-boot")  # another machine, or an earlier boot
    assert not owner_is_gone(f"{host}:4194303:{namespace}:1")  # written before labels had a boot id: its deadline
    assert not owner_is_gone("garbage")
