"""Beginners' mistakes named by the harness and explained in English, Dutch and French, at the learner's line."""

import importlib.util
import sys
from pathlib import Path

import pytest
from flask_babel import force_locale

from grader.grading.explanations import CATALOGUE, checked, explain
from grader.grading.verdict import decide
from grader.models import Outcome
from grader.settings import PROJECT_ROOT
from sandbox.limits import Limits
from sandbox.report import RawRun
from web.i18n import explained

HARNESS = PROJECT_ROOT / "sandbox" / "images" / "python" / "harness"


def load_harness_module(name: str):
    spec = importlib.util.spec_from_file_location(f"harness_{name}", HARNESS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = load_harness_module("explain")

SYNTAX = [
    (
        "misspelt_keyword",
        'def greet(name):\n    retrun f"Hello, {name}!"\n',
        2,
        {"word": "retrun", "keyword": "return"},
    ),
    (
        "misspelt_keyword",
        "def f(x):\n    if x:\n        return 1\n    esle:\n        return 2\n",
        4,
        {"keyword": "else"},
    ),
    ("misspelt_keyword", "def f(x):\n    whlie x < 3:\n        x += 1\n", 2, {"keyword": "while"}),
    ("missing_colon", "def greet(name)\n    return name\n", 1, {}),
    ("missing_colon", "def f(x):\n    if x > 1\n        return 1\n", 2, {}),
    ("unclosed_bracket", "def f(x):\n    return (x + 1\n", 2, {"bracket": "("}),
    ("unclosed_string", 'def f():\n    return "hello\n', 2, {}),
    ("expected_indent", "def f():\nreturn 1\n", 2, {}),
    ("unexpected_indent", "x = 1\n    y = 2\n", 2, {}),
    ("indent_mismatch", "def f():\n        x = 1\n    return x\n", 3, {}),
    ("mixed_tabs", "def f():\n    x = 1\n\treturn x\n", 3, {}),
    ("nonbreaking_space", "def f():\n\u00a0\u00a0\u00a0\u00a0return 1\n", 2, {}),
    ("curly_quote", "def f():\n    return \u201chello\u201d\n", 2, {"character": "\u201c"}),
]


@pytest.mark.parametrize(
    ("key", "source", "line", "values"), SYNTAX, ids=[f"{k}-{n}" for n, (k, *_) in enumerate(SYNTAX)]
)
def test_syntax_mistakes_are_named_at_their_line(key, source, line, values):
    with pytest.raises(SyntaxError) as raised:
        compile(source, "hello.py", "exec")
    found = harness.of_syntax_error(raised.value, "hello.py", source)
    assert (found["key"], found["line"], found["file"]) == (key, line, "hello.py")
    assert found["code"] == source.splitlines()[line - 1].rstrip()
    assert values.items() <= found["values"].items()


RUNTIME = [
    ("name_error", 'def greet(name):\n    return "Hello, " + nam\n', ("A",), 2, {"name": "nam", "suggestion": "name"}),
    ("input_in_function", "def greet():\n    name = input()\n    return name\n", (), 2, {}),
    ("wrong_arguments", "def greet(name):\n    return name\n", (), 1, {"function": "greet"}),
    ("index_error", "def greet(items):\n    return items[5]\n", ([1],), 2, {"kind": "list"}),
    ("key_error", 'def greet(ages):\n    return ages["amina"]\n', ({},), 2, {"key": "'amina'"}),
    ("zero_division", "def greet(xs):\n    return sum(xs) / len(xs)\n", ([],), 2, {}),
    ("none_attribute", "def greet(x):\n    found = None\n    return found.upper()\n", (1,), 3, {"attribute": "upper"}),
    ("no_such_method", "def greet(x):\n    return x.uper()\n", ("a",), 2, {"suggestion": "upper", "type": "str"}),
    ("recursion", "def greet(n):\n    return greet(n + 1)\n", (1,), 2, {}),
    ("not_callable", "def greet(s):\n    return s()\n", ("x",), 2, {"type": "str"}),
    ("mixed_types", 'def greet(n):\n    return "n=" + n\n', (1,), 2, {}),
]


@pytest.mark.parametrize(("key", "source", "args", "line", "values"), RUNTIME, ids=[case[0] for case in RUNTIME])
def test_runtime_mistakes_are_named_at_the_learners_line(tmp_path, monkeypatch, key, source, args, line, values):
    (tmp_path / "greeting.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115 (closed with the test)
    module = importlib.import_module("greeting")
    try:
        with pytest.raises(BaseException) as raised:
            module.greet(*args)
        found = harness.of_exception(raised.value, str(tmp_path))
    finally:
        sys.modules.pop("greeting", None)
        sys.stdin.close()
    assert (found["key"], found["line"], found["file"]) == (key, line, "greeting.py")
    assert values.items() <= found["values"].items()


def test_a_misbehaving_exception_still_gets_an_explanation(tmp_path):
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no words")

    found = harness.of_exception(Weird(), str(tmp_path))
    assert found["key"] == "exception" and found["values"] == {"type": "Weird"}


def test_names_the_tests_need_and_kinds_that_came_back():
    missing = harness.of_missing_name(
        "cannot import name 'greet' from 'hello' (unknown location)", {"hello": ["Greet"]}
    )
    assert missing["key"] == "missing_name" and missing["values"]["suggestion"] == "Greet"
    other = harness.of_missing_name("module 'hello' has no attribute 'greet'", {"hello": ["greet_name", "x"]})
    assert other["values"] == {"name": "greet", "file": "hello.py", "suggestion": "greet_name"}
    never = lambda value: False  # noqa: E731
    assert harness.of_comparison(None, "Hello", never)["key"] == "returned_none"
    assert harness.of_comparison(2, "2 min 5 s", never)["values"] == {"got": "number", "expected": "text"}
    assert harness.of_comparison(["a"], "a", never)["values"] == {"got": "list", "expected": "text"}
    assert harness.of_comparison(2, 2.5, never) is None


def test_control_characters_and_long_values_stay_inert():
    found = harness.explanation("key_error", None, key="\x1b[31m" + "k" * 500)
    assert "\x1b" not in found["values"]["key"] and len(found["values"]["key"]) <= harness.VALUE_LIMIT


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_explanation_has_words_in_every_language(app, key):
    values = {"name": "nam", "suggestion": "name", "type": "str", "attribute": "uper"}
    data = {"key": key, "values": values, "file": "hello.py", "line": 2}
    words = {}
    with app.test_request_context():
        for code in ("en", "nl", "fr"):
            with force_locale(code):
                found = explained(data)
                assert found is not None and found["what"] and found["next"] and found["line"] == 2
                words[code] = (found["what"], found["next"])
    assert len(set(words.values())) == 3, words


def test_the_table_of_beginners_mistakes_in_dutch(app):
    with app.test_request_context(), force_locale("nl"):
        name = explained(
            {"key": "name_error", "values": {"name": "nam", "suggestion": "name"}, "file": "a.py", "line": 2}
        )
        assert "nam" in name["what"] and "name" in name["next"]
        nothing = explained({"key": "returned_none", "values": {"expected": "text"}})
        assert "return" in nothing["next"] and "print" in nothing["next"]


def test_garbage_explanations_are_dropped_and_hidden_data_is_not_kept():
    assert checked({"key": "rm -rf", "values": {}}) is None
    assert checked({"key": ["unhashable"]}) is None
    assert checked("key_error") is None
    found = checked({"key": "name_error", "values": {"name": 5, "x" * 100: "y", "text": "\x1b[31m"}, "line": True})
    assert found["values"] == {"text": "\N{REPLACEMENT CHARACTER}[31m"} and "line" not in found
    assert explain(None) is None
    assert explain({"key": "name_error", "values": {"suggestion": "a", "text": "b"}}) is not None


LEARNER_FILES = {"hello.py": "def greet(name):\n    return f'Hello, {nam}!'\n"}


def test_a_hidden_test_keeps_only_what_the_learner_wrote_or_fixed_words():
    honest = {"key": "name_error", "values": {"name": "nam", "suggestion": "name"}, "file": "hello.py", "line": 2}
    assert checked(honest, files=LEARNER_FILES, hidden=True)["values"] == {"name": "nam", "suggestion": "name"}
    smuggled = {"key": "name_error", "values": {"name": "secret_42"}, "file": "hello.py", "line": 2, "code": "x"}
    found = checked(smuggled, files=LEARNER_FILES, hidden=True)
    assert found["values"] == {} and found["code"] == "    return f'Hello, {nam}!'"  # the code is read from the file
    assert checked({"key": "key_error", "values": {"key": "'amina'"}}, files=LEARNER_FILES, hidden=True)["values"] == {}
    assert checked({**honest, "file": "secret.py"}, files=LEARNER_FILES, hidden=True).get("line") is None
    assert checked({**honest, "line": 4242}, files=LEARNER_FILES).get("line") is None
    compared = {"key": "wrong_type", "values": {"got": "number", "expected": "secret"}, "got": "1", "expected": "2"}
    assert checked(compared, hidden=True) == {"key": "wrong_type", "values": {"got": "number"}}


def report_with(test_status: str, explanation: dict | None) -> RawRun:
    test = {"id": "tests/hidden/test_hello_hidden.py::test_returns_text", "status": test_status, "message": "m"}
    others = [
        {"id": "tests/visible/test_hello.py::test_greets_amina", "status": "passed", "message": ""},
        {"id": "tests/hidden/test_hello_hidden.py::test_other_names", "status": "passed", "message": ""},
    ]
    report = {"load_error": None, "collection_errors": [], "tests": [*others, {**test, "explanation": explanation}]}
    return RawRun(False, False, 0, 0.1, report, report_problem="", output="")


def hello_manifest() -> list[dict]:
    from grader.authoring.reader import read_exercise

    return read_exercise(Path(PROJECT_ROOT / "exercises" / "hello-name")).manifest


def test_a_hint_is_shown_when_the_check_failed_and_not_when_an_error_explains_it():
    manifest = hello_manifest()
    failed_check = decide(report_with("failed", {"key": "returned_none", "assertion": True}), manifest, Limits())
    assert failed_check.outcome == Outcome.FAILED and failed_check.tests[-1].hint.startswith("Use return")
    crashed = decide(
        report_with("failed", {"key": "name_error", "values": {"name": "nam"}, "line": 2}), manifest, Limits()
    )
    assert crashed.tests[-1].hint == "" and crashed.tests[-1].explanation["key"] == "name_error"


# Through the real sandbox: the table of mistakes from the issue, as learners submit them.

MISTAKES = [
    # (slug, file, code, key of the explanation, line, where it is shown)
    ("hello-name", "hello.py", 'def greet(name):\n    return f"Hello, {nam}!"\n', "name_error", 2, "test"),
    ("hello-name", "hello.py", 'def greet(name):\n    retrun f"Hello, {name}!"\n', "misspelt_keyword", 2, "submission"),
    (
        "hello-name",
        "hello.py",
        'def greet(name):\n    name = input()\n    return f"Hello, {name}!"\n',
        "input_in_function",
        2,
        "test",
    ),
    ("hello-name", "hello.py", 'def greet(name):\n    print(f"Hello, {name}!")\n', "returned_none", None, "test"),
    (
        "minutes-and-seconds",
        "minutes.py",
        "def to_minutes(total_seconds):\n    return total_seconds // 60\n",
        "wrong_type",
        None,
        "test",
    ),
    ("hello-name", "hello.py", 'def Greet(name):\n    return f"Hello, {name}!"\n', "missing_name", None, "submission"),
    (
        "hello-name",
        "hello.py",
        'def greet(name):\n\u00a0\u00a0\u00a0\u00a0return f"Hello, {name}!"\n',
        "nonbreaking_space",
        2,
        "submission",
    ),
    ("hello-name", "hello.py", "def greet(name):\n    while True:\n        pass\n", "too_slow", 2, "submission"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("slug", "file", "code", "key", "line", "shown"), MISTAKES, ids=[m[3] for m in MISTAKES])
def test_a_beginners_mistake_is_explained_at_its_line(
    app, client, docker_client, drain_queue, slug, file, code, key, line, shown
):
    from sqlalchemy import select

    from grader.models import Submission
    from tests.factories import login, make_user, sessions

    login(client, make_user(app))
    location = client.post(f"/exercises/{slug}/submissions", data={f"code:{file}": code}).location
    drain_queue()
    with sessions(app)() as session:
        submission = session.scalar(select(Submission).order_by(Submission.id.desc()))
        found = (
            submission.explanation
            if shown == "submission"
            else next(result.explanation for result in submission.results if result.explanation)
        )
    assert found["key"] == key, found
    assert found.get("line") == line
    for code_of_language, words in (("en", "Try this:"), ("nl", "Probeer dit:"), ("fr", "Essaie ceci :")):
        page = client.get(location, headers={"Accept-Language": code_of_language}).text
        assert words in page, code_of_language
        if line:
            assert f'<span class="line-number" aria-hidden="true">{line}</span>' in page


BROWSER_MISTAKES = [
    ("name", 'def greet(name):\n    return f"Hello, {nam}!"\n', 2),
    ("retrun", 'def greet(name):\n    retrun f"Hello, {name}!"\n', 2),
    ("input", 'def greet(name):\n    name = input()\n    return f"Hello, {name}!"\n', 2),
    ("print", 'def greet(name):\n    print(f"Hello, {name}!")\n', None),
    ("Greet", 'def Greet(name):\n    return f"Hello, {name}!"\n', None),
    ("nbsp", 'def greet(name):\n\u00a0\u00a0\u00a0\u00a0return f"Hello, {name}!"\n', 2),
    ("loop", "def greet(name):\n    while True:\n        pass\n", 2),
]


@pytest.mark.integration
@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_table_of_mistakes_in_the_browser(app, docker_client, drain_queue, live_server, browser, language):
    """Each mistake, typed in the editor and sent: the line, a plain sentence and a next step, beside the editor."""
    from tests.browsing import new_context
    from tests.factories import make_user

    artifacts = PROJECT_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    context = new_context(
        browser,
        live_server,
        app,
        make_user(app),
        viewport={"width": 1100, "height": 1400},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    try:
        page = context.new_page()
        for name, code, line in BROWSER_MISTAKES:
            page.goto(f"{live_server}/exercises/hello-name")
            page.evaluate(
                """(code) => { const view = document.querySelector('#code-1').editorView;
                    view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: code}}); }""",
                code,
            )
            page.click("#submit-form button[type=submit]")
            page.wait_for_selector("#live-result:not([hidden])", timeout=10_000)
            drain_queue()
            page.wait_for_selector("#live-result .result[data-status=graded]", timeout=30_000)
            explanation = page.locator("#live-result .explanation").first
            text = explanation.inner_text()
            assert ("Try this:" if language == "en" else "Probeer dit:") in text, (name, text)
            if line:
                assert page.locator(".cm-error-line").count() == 1, name
                assert f"{line}" in explanation.locator(".line-number").inner_text()
            page.screenshot(path=str(artifacts / f"mistake-{name}-{language}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.integration
def test_closing_the_tab_and_reopening_the_exercise_restores_the_draft(app, live_server, browser):
    from tests.browsing import new_context
    from tests.factories import make_user

    context = new_context(browser, live_server, app, make_user(app), viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/exercises/hello-name")
        page.click(".cm-content")
        page.keyboard.press("Control+A")
        page.keyboard.type("def greet(name):")
        page.keyboard.press("Enter")
        page.keyboard.type("return name  # not done yet")
        page.close()  # the tab is closed before sending

        again = context.new_page()
        again.goto(f"{live_server}/exercises/hello-name")
        assert again.input_value("#code-1") == "def greet(name):\n    return name  # not done yet"
        assert again.locator(".cm-content").inner_text().startswith("def greet(name):")
        assert again.locator("#draft-restored").is_visible()
    finally:
        context.close()


NOT_A_TYPO = [
    "def classify(n)\n    return n\n",
    "def f(forms):\n    for form in forms\n        pass\n",
    "def f(x):\n    printed = len(\n",
    "def f():\n    returns = [1, 2\n",
]


@pytest.mark.parametrize("source", NOT_A_TYPO)
def test_a_name_of_the_code_is_not_taken_for_a_misspelt_keyword(source):
    with pytest.raises(SyntaxError) as raised:
        compile(source, "hello.py", "exec")
    assert harness.of_syntax_error(raised.value, "hello.py", source)["key"] != "misspelt_keyword"


def test_asking_a_program_for_more_input_is_its_own_mistake(tmp_path):
    try:
        raise EOFError("EOF when reading a line")
    except EOFError as error:
        assert harness.of_exception(error, str(tmp_path), in_program=True)["key"] == "program_input"
        assert harness.of_exception(error, str(tmp_path))["key"] == "input_in_function"


def test_a_missing_function_of_the_module_is_a_missing_name(tmp_path):
    import types as module_types

    hello = module_types.ModuleType("hello")
    hello.Greet = lambda name: name
    try:
        hello.greet  # noqa: B018
    except AttributeError as error:
        found = harness.of_exception(error, str(tmp_path))
    assert found["key"] == "missing_name" and found["values"]["suggestion"] == "Greet"


def test_a_learners_own_out_of_time_class_is_not_a_timeout(tmp_path):
    class OutOfTime(Exception):
        pass

    class TheHarnesses(BaseException):
        frame = None

    assert harness.of_exception(OutOfTime(), str(tmp_path), TheHarnesses)["key"] == "exception"
    assert harness.of_exception(TheHarnesses(), str(tmp_path), TheHarnesses)["key"] == "too_slow"


def test_whatever_the_learners_process_sends_is_made_flat_and_short():
    nested: dict = {}
    for _ in range(5000):
        nested = {"x": nested}
    found = harness.flat(
        {"key": "name_error", "values": {"name": nested, "n" * 99: "y" * 999}, "line": 10**9, **nested}
    )
    assert found == {"key": "name_error", "values": {"n" * 40: "y" * (harness.VALUE_LIMIT - 1) + "…"}}
    assert harness.flat({"key": ["not text"]}) is None and harness.flat("garbage") is None
