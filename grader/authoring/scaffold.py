"""Create a new exercise folder that already passes its checks, for an author to edit."""

import sys
from pathlib import Path

from grader.authoring.spec import SLUG_PATTERN

TEMPLATE = {
    "exercise.toml": """title = "{title}"
week = {week}
day = {day}
points = 10
tags = ["functions"]
difficulty = "easy"
files = ["{module}.py"]

[limits]
wall_seconds = 5
memory_mb = 128

[tests.test_other_numbers]
visibility = "hidden-with-hint"
hint = "Does your function work for every number, not only the one in the example?"
""",
    "statement.md": """# {title}

Write a function `double(number)` that **returns** the number times two.

## Example

```python
>>> double(4)
8
```
""",
    "starter/{module}.py": """def double(number):
    # Replace pass with your code.
    pass
""",
    "solution/{module}.py": """def double(number):
    return number * 2
""",
    "tests/visible/test_{module}.py": """from {module} import double


def test_double_four():
    \"\"\"double(4) returns 8.\"\"\"
    assert double(4) == 8
""",
    "tests/hidden/test_{module}_hidden.py": """from {module} import double


def test_other_numbers():
    \"\"\"Works for zero, negative and large numbers.\"\"\"
    assert double(0) == 0
    assert double(-3) == -6
    assert double(1000) == 2000
""",
}
"""The files of a new exercise; {title}, {module}, {week} and {day} are filled in."""


def module_name(slug: str) -> str:
    """A Python module name for the learner's file, made from the slug."""
    name = slug.replace("-", "_")
    # A name that is no identifier, or that would hide a module of Python, gets a prefix.
    return name if name.isidentifier() and name not in sys.stdlib_module_names else f"solution_{name}"


class ScaffoldError(Exception):
    """The folder cannot be created as asked."""


def scaffold(bank: Path, slug: str, *, week: int = 1, day: int = 1) -> Path:
    """Write a new exercise folder into the bank and return it."""
    if not SLUG_PATTERN.match(slug):
        raise ScaffoldError(f"'{slug}' is not a slug: use lower-case letters, digits and dashes")
    if not (1 <= week <= 52 and 1 <= day <= 7):
        raise ScaffoldError("week must be 1-52 and day 1-7")
    folder = bank / slug
    if folder.exists():
        raise ScaffoldError(f"{folder} exists already")
    values = {"title": slug.replace("-", " ").capitalize(), "module": module_name(slug), "week": week, "day": day}
    for name, text in TEMPLATE.items():
        path = folder / name.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**values), encoding="utf-8")
    return folder
