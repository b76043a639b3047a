"""docker-compose.yml really starts here, offline: images from Debian packages, a learner's submission graded.

The stack runs under a project name of its own on a free port, with a one-exercise bank so migrate is quick,
and is always taken down with its volumes. Images are built once and then kept while their digest holds.
"""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from grader.settings import PROJECT_ROOT
from sandbox.container import LABEL, OWNER_LABEL
from tests.factories import free_port

pytestmark = pytest.mark.integration

UP_SECONDS = 300
"""Longest wait for `up -d`: PostgreSQL's first start, migrate's checks of the exercise in the sandbox."""

VERDICT_SECONDS = 60
"""Longest wait for a submission's verdict once the stack is up."""

STOP_SECONDS = 45
"""`down`'s wait for each container to stop: more than the worker's stop_grace_period (40 s), so a worker busy
grading ends its sandbox itself rather than being killed and leaving it to its deadline."""

PROJECT_PREFIX = "agtest"
"""Start of the project name of every stack a test brings up; the pid of the test run follows."""

EXERCISE = "hello-name"
CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'
WRONG = 'def greet(name):\n    return "Hello!"\n'


def compose(project: str, env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run docker-compose on the checkout's file for this project, with env and the empty file ENV_FILE as .env."""
    return subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(PROJECT_ROOT),
            "--env-file",
            env["ENV_FILE"],
            "-p",
            project,
            *args,
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def leftovers(project: str) -> list[str]:
    """Containers, volumes and networks Docker still holds for the project."""
    found = []
    for kind in ("container", "volume", "network"):
        listing = ["docker", kind, "ls", "-q", "--filter", f"label=com.docker.compose.project={project}"]
        if kind == "container":
            listing.insert(3, "-a")
        found += [f"{kind} {name}" for name in subprocess.run(listing, capture_output=True, text=True).stdout.split()]
    return found


def sandboxes_of(hosts: set[str]) -> list[str]:
    """Sandbox containers Docker still holds that a container of these host names (a worker, migrate) started."""
    listing = ["docker", "ps", "-a", "--filter", f"label={LABEL}"]
    listing += ["--format", "{{.ID}} {{.Label " + json.dumps(OWNER_LABEL) + "}}"]
    found = []
    for line in subprocess.run(listing, capture_output=True, text=True).stdout.splitlines():
        container, _, owner = line.partition(" ")
        if owner.split(":")[0] in hosts:
            found.append(f"sandbox container {container}")
    return found


def hosts_of(project: str) -> set[str]:
    """The host names of the project's containers, running or not: Docker's default, the first 12 digits of the id."""
    listing = ["docker", "ps", "-a", "-q", "--no-trunc", "--filter", f"label=com.docker.compose.project={project}"]
    return {container[:12] for container in subprocess.run(listing, capture_output=True, text=True).stdout.split()}


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def stale_projects() -> set[str]:
    """Projects a killed test run left (its pid no longer runs): containers that restart with Docker, volumes."""
    names: set[str] = set()
    for kind in ("container", "volume", "network"):
        listing = ["docker", kind, "ls", "--filter", "label=com.docker.compose.project"]
        listing += ["--format", '{{.Label "com.docker.compose.project"}}']
        if kind == "container":
            listing.insert(3, "-a")
        names |= set(subprocess.run(listing, capture_output=True, text=True).stdout.split())
    return {
        name
        for name in names
        if (match := re.fullmatch(rf"{PROJECT_PREFIX}(\d+)[a-z]*", name)) and not is_running(int(match[1]))
    }


def container_of(project: str, service: str) -> str:
    listing = ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"]
    listing += ["--filter", f"label=com.docker.compose.service={service}"]
    return subprocess.run(listing, capture_output=True, text=True).stdout.split()[0]


def running_as(project: str) -> set[str]:
    """The user ids of every process in the project's running containers, as the host sees them."""
    listing = ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"]
    users = set()
    for container in subprocess.run(listing, capture_output=True, text=True).stdout.split():
        top = subprocess.run(["docker", "top", container, "-eo", "uid,pid"], capture_output=True, text=True)
        assert top.returncode == 0, top.stderr
        users |= {line.split()[0] for line in top.stdout.splitlines()[1:]}
    return users


@pytest.fixture(scope="module")
def compose_env(tmp_path_factory):
    """What docker-compose needs: the images built (or found current), a bank of one exercise, a free port."""
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed: scripts/ensure-services.sh --compose installs it")
    for build in (["sandbox/images/build.sh", "python"], ["deploy/images/build.sh"]):
        done = subprocess.run(build, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stdout + done.stderr
    empty = tmp_path_factory.mktemp("compose") / "empty.env"  # a .env in the checkout must not leak in
    empty.write_text("")
    bank = tmp_path_factory.mktemp("bank")
    shutil.copytree(PROJECT_ROOT / "exercises" / EXERCISE, bank / EXERCISE)
    for path in [bank, *bank.rglob("*")]:  # the stack reads it as uid 10000
        path.chmod(0o755 if path.is_dir() else 0o644)
    backups = tmp_path_factory.mktemp("backups")  # as the README has it made: uid 10000 writes there
    if os.geteuid() == 0:
        os.chown(backups, 10000, 10000)
    else:
        backups.chmod(0o777)
    env = {
        "PATH": os.environ["PATH"],
        "AUTOGRADER_SECRET_KEY": os.urandom(32).hex(),
        "POSTGRES_PASSWORD": os.urandom(16).hex(),
        "REDIS_PASSWORD": os.urandom(16).hex(),
        "EXERCISES_DIR": str(bank),
        "BACKUPS_DIR": str(backups),
        "AUTOGRADER_PORT": str(free_port()),
        "ENV_FILE": str(empty),
    }
    for project in stale_projects():  # nothing else takes them down, and they restart with Docker
        down = compose(project, env, "down", "-v", "--remove-orphans", "-t", str(STOP_SECONDS), timeout=300)
        assert down.returncode == 0, down.stderr
    return env


def call(url: str, token: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Authorization": f"Bearer {token}"})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def verdict_of(url: str, token: str) -> dict:
    """The submission once graded (polled: it is graded by another process, in another container)."""
    deadline = time.monotonic() + VERDICT_SECONDS
    while True:
        submission = call(url, token)
        if submission["status"] == "graded" or time.monotonic() > deadline:
            return submission
        time.sleep(0.2)


def test_the_stack_grades_a_submission_through_the_api(compose_env):
    project = f"{PROJECT_PREFIX}{os.getpid()}"
    env = compose_env
    site = f"http://127.0.0.1:{env['AUTOGRADER_PORT']}"
    try:
        up = compose(project, env, "up", "-d", timeout=UP_SECONDS)
        logs = compose(project, env, "logs", "--no-color", "migrate").stdout
        assert up.returncode == 0, up.stderr + logs
        assert f"added: {EXERCISE}" in logs, logs
        assert running_as(project) == {"10000"}  # worker too: it takes the socket's group, not root
        web = json.loads(
            subprocess.run(["docker", "inspect", container_of(project, "web")], capture_output=True).stdout
        )
        assert not [mount for mount in web[0]["Mounts"] if "docker.sock" in mount["Source"]]
        made = compose(
            project,
            env,
            *("exec", "-T", "web", "sh", "-c"),
            "autograder users create --email amina@example.org --name Amina --role learner --password "
            "'a long password' >&2 && autograder tokens create amina@example.org",
        )
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip()
        submissions = f"{site}/api/v1/exercises/{EXERCISE}/submissions"
        right = call(submissions, token, {"files": {"hello.py": CORRECT}})
        wrong = call(submissions, token, {"files": {"hello.py": WRONG}})
        right, wrong = verdict_of(right["url"], token), verdict_of(wrong["url"], token)
        assert (right["status"], right["outcome"], right["score"]) == ("graded", "passed", right["max_score"]), right
        assert (wrong["status"], wrong["outcome"]) == ("graded", "failed"), wrong
        assert wrong["score"] < wrong["max_score"]
        backup = compose(
            project,
            env,
            *("exec", "-T", "web", "sh", "-c"),
            "autograder db backup /backups/test.backup && pg_restore --list /backups/test.backup",
        )
        assert backup.returncode == 0, backup.stderr
        assert " TABLE DATA public submissions " in backup.stdout, backup.stdout  # what restore reads
        on_host = (Path(env["BACKUPS_DIR"]) / "test.backup").stat()
        assert (on_host.st_uid, on_host.st_mode & 0o777) == (10000, 0o600)
    finally:
        hosts = hosts_of(project)
        down = compose(project, env, "down", "-v", "--remove-orphans", "-t", str(STOP_SECONDS), timeout=300)
    assert down.returncode == 0, down.stderr
    assert leftovers(project) + sandboxes_of(hosts) == []


def test_up_without_the_secret_key_refuses_and_says_what_to_set(compose_env):
    project = f"{PROJECT_PREFIX}{os.getpid()}nokey"
    env = {name: value for name, value in compose_env.items() if name != "AUTOGRADER_SECRET_KEY"}
    try:
        up = compose(project, env, "up", "-d")
        assert up.returncode != 0
        assert "AUTOGRADER_SECRET_KEY is not set; write AUTOGRADER_SECRET_KEY=" in up.stderr, up.stderr
        assert "openssl rand -hex 32" in up.stderr
        assert leftovers(project) == []  # refused before anything was made
    finally:
        compose(project, compose_env, "down", "-v")


def test_a_database_password_that_breaks_the_url_is_refused_and_said(compose_env):
    project = f"{PROJECT_PREFIX}{os.getpid()}badpassword"
    env = {**compose_env, "POSTGRES_PASSWORD": "4bT/x+9q=="}  # what openssl rand -base64 makes
    try:
        run = compose(project, env, "run", "--rm", "--no-deps", "-T", "migrate", "true")
        assert run.returncode != 0
        assert "error: POSTGRES_PASSWORD (the password in AUTOGRADER_DATABASE_URL) may hold only" in run.stderr, (
            run.stdout + run.stderr
        )
        assert "openssl rand -hex 32" in run.stderr
    finally:
        down = compose(project, env, "down", "-v", "--remove-orphans")
    assert down.returncode == 0, down.stderr
    assert leftovers(project) == []


def test_the_images_are_current_after_a_build(compose_env):
    done = subprocess.run(["deploy/images/build.sh"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == [
        f"autograder-{name}:latest is current" for name in ("app", "redis", "postgres")
    ]
