"""Constants the host and the harness in the image must agree on, read from the harness's source (never imported)."""

import ast
from pathlib import Path

HARNESS = Path(__file__).resolve().parent / "images" / "python" / "harness"
"""The in-container harness: it runs in the image, under another Python, so the host only reads it."""


def constant(name: str, module: str = "run.py") -> object:
    """The value given to name at the top of a harness module: a literal, or frozenset() of one."""
    path = HARNESS / module
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == name for target in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "frozenset" and value.args:
                return frozenset(ast.literal_eval(value.args[0]))
            return ast.literal_eval(value)
    raise RuntimeError(f"{path} no longer defines {name}")
