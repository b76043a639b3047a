"""What a beginner's mistake means and what to try next: the harness names the mistake, this says it in words.

The sandbox sends an explanation as plain data, {"key", "values", "file", "line", "code"}
(sandbox/images/python/harness/explain.py); `checked` keeps only what is well formed, and
`explain` turns it into Messages the site shows in the learner's language.
"""

import builtins
import keyword
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from grader.messages import Message, say

VALUE_LIMIT = 80
"""Characters kept of each value (a name, a key); the harness sends no more."""

CODE_LIMIT = 200
"""Characters kept of the learner's line."""

COMPARED_LIMIT = 300
"""Characters kept of what a visible test got and expected, shown side by side."""

Texts = Callable[[dict[str, str]], tuple[Message, Message]]
"""The values of an explanation → what happened, and what to try next."""


def _kind(name: str) -> Message:
    """A kind of value in a beginner's words."""
    kinds = {
        "number": say("a number"),
        "text": say("text"),
        "list": say("a list"),
        "dictionary": say("a dictionary"),
        "boolean": say("True or False"),
        "nothing": say("nothing (None)"),
    }
    return kinds.get(name, say("another kind of value"))


def _name_error(values: dict[str, str]) -> tuple[Message, Message]:
    what = say("Python does not know the name %(name)s here.", name=values.get("name", "?"))
    if values.get("suggestion"):
        return what, say(
            "Did you mean %(suggestion)s? Check the spelling, letter by letter.", suggestion=values["suggestion"]
        )
    return what, say("Create it before this line (name = …), or check its spelling, letter by letter.")


def _missing_name(values: dict[str, str]) -> tuple[Message, Message]:
    what = say(
        "The tests look for %(name)s in %(file)s, but it is not there.",
        name=values.get("name", "?"),
        file=values.get("file", "?"),
    )
    if values.get("suggestion"):
        return what, say(
            "You wrote %(suggestion)s: name it %(name)s, exactly as the exercise says.",
            suggestion=values["suggestion"],
            name=values.get("name", "?"),
        )
    return what, say(
        "Define %(name)s with exactly this name (upper and lower case count), at the left margin.",
        name=values.get("name", "?"),
    )


def _method(values: dict[str, str]) -> tuple[Message, Message]:
    what = say(
        "A value of type %(type)s has no method %(attribute)s.",
        type=values.get("type", "?"),
        attribute=values.get("attribute", "?"),
    )
    if values.get("suggestion"):
        return what, say("Did you mean %(suggestion)s?", suggestion=values["suggestion"])
    return what, say("Check the method's name, or print the value to see what it is.")


def _too_slow(values: dict[str, str]) -> tuple[Message, Message]:
    if values.get("test"):
        what = say(
            "Time ran out during the test “%(test)s”, while your code was running this line.", test=values["test"]
        )
    else:
        what = say("Time ran out while your code was running this line.")
    return what, say("This is probably a loop that never ends: check that its condition becomes false at some point.")


def _misspelt(values: dict[str, str]) -> tuple[Message, Message]:
    return (
        say("Python does not understand %(word)s on this line.", word=values.get("word", "?")),
        say("Did you mean %(keyword)s? Fix the spelling.", keyword=values.get("keyword", "?")),
    )


CATALOGUE: dict[str, Texts] = {
    "misspelt_keyword": _misspelt,
    "missing_colon": lambda values: (
        say("A colon (:) is missing at the end of this line."),
        say("Lines that start with def, if, elif, else, for or while end with a colon. Add : at the end."),
    ),
    "unclosed_bracket": lambda values: (
        say("A bracket %(bracket)s opened on this line is never closed.", bracket=values.get("bracket", "(")),
        say("Add the closing bracket where the expression ends. Count them: each ( needs a )."),
    ),
    "unmatched_bracket": lambda values: (
        say("A closing bracket on this line does not match an opening one."),
        say("Count the brackets on this line: each ( needs a ), each [ a ] and each { a }."),
    ),
    "unclosed_string": lambda values: (
        say("A text in quotes starts on this line but never ends."),
        say("Close the text with the same quote it starts with: \"…\" or '…'."),
    ),
    "expected_indent": lambda values: (
        say("This line should be indented: it belongs inside the line above that ends with a colon."),
        say("Put four spaces at the start of this line."),
    ),
    "unexpected_indent": lambda values: (
        say("This line is indented, but nothing above asks for it."),
        say("Remove the spaces at the start of this line, or line it up with the line above."),
    ),
    "indent_mismatch": lambda values: (
        say("This line's indentation does not line up with the lines above."),
        say("Line it up exactly with the block it belongs to: the same number of spaces."),
    ),
    "mixed_tabs": lambda values: (
        say("This line mixes tabs and spaces for its indentation."),
        say("Use only spaces: delete the indentation of this line and type four spaces per level."),
    ),
    "nonbreaking_space": lambda values: (
        say(
            "This line contains a special space (a non-breaking space), probably pasted from a document or a web page."
        ),
        say("Delete the spaces at the start of this line and type them again with the space bar."),
    ),
    "curly_quote": lambda values: (
        say(
            "This line contains curly quotes %(character)s, which Python does not understand.",
            character=values.get("character", "“"),
        ),
        say("Type the quotes again in the editor: straight quotes \" or '."),
    ),
    "invalid_character": lambda values: (
        say(
            "This line contains a character Python does not understand: %(character)s",
            character=values.get("character", "?"),
        ),
        say("Delete that character and type the line again in the editor."),
    ),
    "syntax_error": lambda values: (
        say("Python cannot read this line."),
        say("Look at this line and the one just above it for a missing bracket, quote or colon."),
    ),
    "name_error": _name_error,
    "unbound_local": lambda values: (
        say("%(name)s is used before it gets a value in this function.", name=values.get("name", "?")),
        say("Give %(name)s a value before this line, inside the function.", name=values.get("name", "?")),
    ),
    "input_in_function": lambda values: (
        say("Your function asks for input with input(), but the tests give it its values as arguments."),
        say("Remove input() from the function and use its parameters instead."),
    ),
    "program_input": lambda values: (
        say("Your program asked for more input with input() than the test typed."),
        say("Count the input() calls: read exactly the lines the exercise describes, no more."),
    ),
    "missing_name": _missing_name,
    "returned_none": lambda values: (
        say(
            "Your function gave back nothing (None), but %(expected)s was expected.",
            expected=_kind(values.get("expected", "")),
        ),
        say("Use return to give the result back. print only shows it on the screen."),
    ),
    "wrong_type": lambda values: (
        say(
            "Your function gave back %(got)s, but %(expected)s was expected.",
            got=_kind(values.get("got", "")),
            expected=_kind(values.get("expected", "")),
        ),
        say("Check what you return: convert it (str(), int(), …) or build the value the exercise asks for."),
    ),
    "assertion": lambda values: (
        say("Your code ran, but its result is not what this test expects."),
        say("Compare what came with what was expected, and follow the code step by step with that input."),
    ),
    "wrong_arguments": lambda values: (
        say(
            "%(function)s is called with a different number of values than it accepts.",
            function=values.get("function") or "?",
        ),
        say("Check the parameters in the def line: the exercise says how many the function takes."),
    ),
    "index_error": lambda values: (
        say("This line asks for a position that does not exist in the %(kind)s.", kind=values.get("kind", "list")),
        say("Positions start at 0 and end at len() - 1. Check the index, or that the list is not empty."),
    ),
    "key_error": lambda values: (
        say("The dictionary has no key %(key)s.", key=values.get("key", "?")),
        say("Check the key's spelling, or use .get(key) when it may be missing."),
    ),
    "zero_division": lambda values: (
        say("This line divides by zero."),
        say("Check the number you divide by first: if it can be 0 (an empty list, say), handle that case."),
    ),
    "none_attribute": lambda values: (
        say("This line uses .%(attribute)s on None: the value is missing.", attribute=values.get("attribute", "?")),
        say("A function you called gave back None. Check that it ends with return and a value."),
    ),
    "no_such_method": _method,
    "recursion": lambda values: (
        say("Your function calls itself again and again without stopping."),
        say("Make sure there is a case where it returns without calling itself, and that each call gets closer to it."),
    ),
    "not_callable": lambda values: (
        say("This line calls a %(type)s as if it were a function.", type=values.get("type", "?")),
        say("Remove the brackets (), or check that you did not give a function's name to a value."),
    ),
    "mixed_types": lambda values: (
        say("This line combines values of different kinds, such as text and a number."),
        say("Convert first: str(number) to join it to text, int(text) to count with it."),
    ),
    "not_a_number": lambda values: (
        say("This line turns %(given)s into a number, but it is not one.", given=values.get("text", "?")),
        say("Check the text before converting it; strip spaces with .strip()."),
    ),
    "too_slow": _too_slow,
    "memory": lambda values: (
        say("Your program kept more and more values in memory until there was no room left."),
        say("Look for a list or text that grows in a loop that never ends, or a value built far bigger than needed."),
    ),
    "exception": lambda values: (
        say("Your code stopped with an error: %(type)s.", type=values.get("type", "?")),
        say("Read the line shown and the details below; print the values used on that line to see what they are."),
    ),
}
"""Every explanation the harness may send, by key."""

HINT_FRIENDLY = frozenset({"assertion", "returned_none", "wrong_type"})
"""Explanations of a test whose code ran and whose check failed: an author's hint may help there."""


@dataclass(frozen=True)
class Explanation:
    """A mistake in words: what happened, where (file, line, the line's code) and what to try next."""

    key: str
    what: Message
    next_step: Message
    file: str
    line: int | None
    code: str
    got: str = ""
    expected: str = ""


VALUE_NAMES = frozenset(
    {"name", "suggestion", "word", "keyword", "bracket", "character", "file", "attribute", "type", "function"}
    | {"kind", "key", "text", "got", "expected", "test"}
)
"""The values an explanation may carry; anything else the sandbox sends is dropped."""

KINDS = frozenset({"number", "text", "list", "dictionary", "boolean", "nothing", "other"})
"""Kinds of value a comparison names (the `got` and `expected` values of returned_none and wrong_type)."""

SEQUENCES = frozenset({"list", "tuple", "string", "range", "sequence"})
"""What an index_error says was indexed."""

WORDS_FROM_THE_CODE = frozenset({"name", "suggestion", "word", "attribute", "type", "function"})
"""Values that are names written in the learner's code (or Python's own names)."""

PYTHONS_WORDS = (
    frozenset(dir(builtins))
    | frozenset(keyword.kwlist)
    | frozenset({"str", "list", "dict", "tuple", "set", "int", "float", "bool", "NoneType", "module", "range"})
)
"""Names of Python itself an explanation may name for a hidden test."""

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")


def checked(data: object, *, files: Mapping[str, str] | None = None, hidden: bool = False) -> dict | None:
    """The explanation the sandbox sent, if well formed; anything that could carry a hidden test's data is dropped.

    With the submitted files, the place must be a line of one of them, and its code is read from them,
    not taken from the sandbox. For a hidden test, a value is kept only if it is a name of the learner's
    own code or of Python, or a word of a fixed list: the learner's code, which sees the test's values,
    cannot pass them on through an explanation.
    """
    if not isinstance(data, dict) or not isinstance(data.get("key"), str) or data["key"] not in CATALOGUE:
        return None
    source = "\n".join(files.values()) if files is not None else None
    sent = data.get("values")
    values: dict = sent if isinstance(sent, dict) else {}
    clean: dict = {"key": data["key"], "values": {}}
    for name, value in values.items():
        if name in VALUE_NAMES and isinstance(value, str) and (not hidden or _harmless(name, value, source)):
            clean["values"][name] = _text(value, VALUE_LIMIT)
    _place(clean, data, files)
    if data.get("assertion") is True:
        clean["assertion"] = True
    if not hidden and isinstance(data.get("got"), str) and isinstance(data.get("expected"), str):
        clean["got"], clean["expected"] = _text(data["got"], COMPARED_LIMIT), _text(data["expected"], COMPARED_LIMIT)
    return clean


def _harmless(name: str, value: str, source: str | None) -> bool:
    """Whether a value of a hidden test's explanation can only be what the learner wrote or a fixed word."""
    if name in WORDS_FROM_THE_CODE:
        if not IDENTIFIER.fullmatch(value):
            return False
        written = source is not None and re.search(rf"\b{re.escape(value)}\b", source) is not None
        return value in PYTHONS_WORDS or written
    if name in ("got", "expected"):
        return value in KINDS
    if name == "kind":
        return value in SEQUENCES
    if name == "keyword":
        return value in PYTHONS_WORDS
    if name in ("bracket", "character"):
        return len(value) == 1 and not value.isalnum()
    return False  # a key, a text to convert, a file named by the sandbox: never for a hidden test


def _place(clean: dict, data: dict, files: Mapping[str, str] | None) -> None:
    """Copy file, line and code; with the submitted files, only a real line of one of them, its code read from it."""
    file, line = data.get("file"), data.get("line")
    if not isinstance(file, str):
        return
    if files is None:
        clean["file"] = _text(file, VALUE_LIMIT)
        if isinstance(line, int) and not isinstance(line, bool) and 0 < line < 1_000_000:
            clean["line"] = line
            if isinstance(data.get("code"), str):
                clean["code"] = _text(data["code"], CODE_LIMIT)
        return
    if file not in files:
        return
    clean["file"] = file
    lines = files[file].replace("\r\n", "\n").split("\n")
    if isinstance(line, int) and not isinstance(line, bool) and 0 < line <= len(lines):
        clean["line"] = line
        clean["code"] = _text(lines[line - 1].rstrip(), CODE_LIMIT)


def _text(value: str, limit: int) -> str:
    """Text cut to limit, with control characters and lone surrogates made visible and harmless (a tab stays)."""
    return UNSAFE_TEXT.sub("\N{REPLACEMENT CHARACTER}", value[:limit])


def explain(data: object) -> Explanation | None:
    """The words of a stored explanation, or None for anything else."""
    found = checked(data)
    if found is None:
        return None
    try:
        what, next_step = CATALOGUE[found["key"]](found["values"])
    except (KeyError, TypeError, ValueError):  # values a newer or older version wrote differently
        return None
    return Explanation(
        found["key"],
        what,
        next_step,
        found.get("file", ""),
        found.get("line"),
        found.get("code", ""),
        found.get("got", ""),
        found.get("expected", ""),
    )


def hint_helps(data: object) -> bool:
    """Whether a failed test's hint fits: its code ran and its check failed (no error explains the failure)."""
    found = checked(data)
    return found is None or (found.get("assertion") is True and found["key"] in HINT_FRIENDLY)
