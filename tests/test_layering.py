"""The layers stay apart: grader never imports Flask, the web never imports Docker, sandbox knows nothing above it."""

import pkgutil
import subprocess
import sys

import grader

DOCKER_USERS = (
    "grader.grading.jobs",
    "grader.grading.worker",
    "grader.grading.caretaker",
    "grader.authoring.checking",
    "grader.authoring.bank",
)
"""The grading and checking code, and what loads the bank through it: the only modules of grader that load docker."""


def modules_loaded_by(package: str, then: str = "") -> set[str]:
    code = f"import sys, {package}, pkgutil, importlib\n"
    code += f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'): importlib.import_module(m.name)\n"
    code += f"{then}\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def modules_loaded_by_importing(names: list[str]) -> set[str]:
    code = f"import sys, importlib\nfor name in {names!r}: importlib.import_module(name)\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_grader_never_imports_flask():
    assert "flask" not in modules_loaded_by("grader")


def test_sandbox_knows_nothing_of_database_or_queue():
    loaded = modules_loaded_by("sandbox")
    assert "sandbox.runner" in loaded
    assert not {"sqlalchemy", "rq", "redis", "flask", "grader"} & loaded


def test_the_web_process_never_imports_docker():
    settings = "from grader.settings import Settings; settings = Settings(database_url='sqlite://')"
    loaded = modules_loaded_by("web", then=f"{settings}\nweb.create_app({{'SECRET_KEY': 'x', 'SETTINGS': settings}})")
    assert "web.api" in loaded
    assert "docker" not in loaded


def test_only_the_grading_and_checking_code_of_grader_imports_docker():
    every = [module.name for module in pkgutil.walk_packages(grader.__path__, "grader.")]
    outside = [name for name in every if name not in DOCKER_USERS]
    assert "grader.grading.lifecycle" in outside and "grader.cli.system" in outside
    assert "docker" not in modules_loaded_by_importing(outside)
    assert "docker" in modules_loaded_by_importing(list(DOCKER_USERS[:1]))  # the check can see docker when it loads


def test_commands_start_without_flask():
    for command in (["worker", "--help"], ["exercises", "check", "--help"], ["run", "--help"]):
        code = (
            "import sys\nfrom grader.cli import cli\n"
            f"try:\n    cli({command!r})\nexcept SystemExit as done:\n    assert done.code == 0\n"
            "print('FLASK LOADED' if 'flask' in sys.modules else 'no flask')"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert "Usage:" in out and out.rstrip().endswith("no flask"), out
