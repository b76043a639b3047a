"""Split Exercism's unittest files into our visible and hidden tests: the first test shows, the rest stay hidden."""

import ast
import copy
from dataclasses import dataclass


class CannotSplit(Exception):
    """Why the test files cannot be split."""


@dataclass(frozen=True)
class Split:
    """The visible test file and the hidden ones, by their Exercism name."""

    visible: str
    hidden: dict[str, str]


def split_tests(files: list[tuple[str, str]]) -> Split:
    """Keep the first test of the first file visible; every other test, in every file, becomes hidden."""
    trees = []
    for name, source in files:
        try:
            trees.append((name, ast.parse(source)))
        except SyntaxError as error:
            raise CannotSplit(f"{name} has a syntax error on line {error.lineno}") from None
    first_name, first_tree = trees[0]
    chosen = _first_test(first_tree)
    if chosen is None:
        raise CannotSplit(f"{first_name} has no test methods in a unittest.TestCase class")
    total = sum(_count_tests(tree) for _, tree in trees)
    if total == 1:  # nothing to hide it from: the one test is visible
        return Split(visible=_module(first_tree), hidden={})
    visible = _visible_module(first_tree, *chosen)
    hidden = {first_name: _module(_without(first_tree, *chosen))}
    hidden.update((name, _module(tree)) for name, tree in trees[1:])
    return Split(visible=visible, hidden=hidden)


def _test_cases(tree: ast.Module) -> list[ast.ClassDef]:
    """Classes of the module that are unittest test cases, directly or through another class of the module."""
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def is_case(node: ast.ClassDef, seen: frozenset[str]) -> bool:
        for base in node.bases:
            name = ast.unparse(base)
            if name.rsplit(".", 1)[-1].endswith("TestCase"):
                return True
            if name in classes and name not in seen and is_case(classes[name], seen | {node.name}):
                return True
        return False

    return [node for node in classes.values() if is_case(node, frozenset())]


def _tests_of(node: ast.ClassDef) -> list[ast.FunctionDef]:
    return [item for item in node.body if isinstance(item, ast.FunctionDef) and item.name.startswith("test")]


def _count_tests(tree: ast.Module) -> int:
    return sum(len(_tests_of(case)) for case in _test_cases(tree))


def _first_test(tree: ast.Module) -> tuple[str, str] | None:
    for case in _test_cases(tree):
        tests = _tests_of(case)
        if tests:
            return case.name, tests[0].name
    return None


def _visible_module(tree: ast.Module, class_name: str, test_name: str) -> str:
    """The module with one test left: the chosen one; other test methods go, helpers and base classes stay."""
    body = []
    for node in tree.body:
        if _is_main_guard(node):
            continue
        if isinstance(node, ast.ClassDef):
            kept = [
                item
                for item in node.body
                if not (isinstance(item, ast.FunctionDef) and item.name.startswith("test"))
                or (node.name == class_name and item.name == test_name)
            ]
            node = _with_body(node, kept)
        body.append(node)
    return _module(ast.Module(body, []))


def _without(tree: ast.Module, class_name: str, test_name: str) -> ast.Module:
    """The module without the chosen test."""
    body = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            node = _with_body(
                node, [item for item in node.body if not (isinstance(item, ast.FunctionDef) and item.name == test_name)]
            )
        body.append(node)
    return ast.Module(body, [])


def _with_body(node: ast.ClassDef, body: list[ast.stmt]) -> ast.ClassDef:
    changed = copy.copy(node)  # a shallow copy keeps every other field, whatever this Python's ast has
    changed.body = body or [ast.Pass()]
    return changed


def _module(tree: ast.Module) -> str:
    body = [node for node in tree.body if not _is_main_guard(node)]
    return ast.unparse(ast.fix_missing_locations(ast.Module(body, []))) + "\n"


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
