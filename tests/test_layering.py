"""The layers stay apart: grader never imports Flask; sandbox never touches the database or the queue."""

import subprocess
import sys


def modules_loaded_by(package: str) -> set[str]:
    code = f"import sys, {package}, pkgutil, importlib\n"
    code += f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'): importlib.import_module(m.name)\n"
    code += "print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_grader_never_imports_flask():
    assert "flask" not in modules_loaded_by("grader")


def test_sandbox_knows_nothing_of_database_or_queue():
    loaded = modules_loaded_by("sandbox")
    assert "sandbox.runner" in loaded
    assert not {"sqlalchemy", "rq", "redis", "flask", "grader"} & loaded
