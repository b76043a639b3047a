"""Name a beginner's mistake where the facts are: a key, the values it needs, and the learner's line.

Only plain text crosses to the host, which turns the key into words in the learner's language
(grader/grading/explanations.py). Nothing here runs learner code or reads hidden tests: syntax
errors are read from the learner's source, runtime errors from the live exception and its frames,
failed comparisons from the types of the two values (never the values, which may be hidden).
"""

import builtins
import difflib
import keyword
import os
import re
import sys
import traceback

VALUE_LIMIT = 80
"""Characters of any value an explanation carries (a name, a key, a line of code is cut to CODE_LIMIT)."""

CODE_LIMIT = 200
"""Characters of the learner's line shown with an explanation."""

CURLY_QUOTES = "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb"
"""Quotes a word processor puts where Python wants ' or "."""

NON_BREAKING_SPACES = "\u00a0\u202f\u2007\u2060\ufeff"
"""Spaces that look like spaces but are not, pasted from documents and web pages."""


def explanation(key, where=None, /, **values):
    """One explanation: its key, its values (as short text), and where it happened (file, line, code)."""
    found = {"key": key, "values": {name: clip(value, VALUE_LIMIT) for name, value in values.items() if value}}
    if where:
        found.update(where)
    return found


def clip(value, limit):
    """Text of at most limit characters, with control characters made visible and harmless."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:
        text = "?"
    text = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", "\N{REPLACEMENT CHARACTER}", text)  # a tab stays a tab
    return text if len(text) <= limit else text[: limit - 1] + "…"


def place(file, line, source=None):
    """Where: the file, the line number and that line's code (read from the source when given)."""
    where = {"file": clip(file, VALUE_LIMIT), "line": line if isinstance(line, int) else None}
    if source is not None and isinstance(line, int) and 0 < line <= source.count("\n") + 1:
        where["code"] = clip(source.splitlines()[line - 1].rstrip() if source.splitlines() else "", CODE_LIMIT)
    return where


# Syntax: read from the source, before anything runs.


def of_syntax_error(error, file, source):
    """Explain a SyntaxError (IndentationError, TabError) of one file."""
    where = place(file, error.lineno, source)
    message = str(getattr(error, "msg", "") or "")
    line = where.get("code", "")
    for character in NON_BREAKING_SPACES:
        if character in line or f"U+{ord(character):04X}" in message:
            return explanation("nonbreaking_space", where)
    curly = next((character for character in CURLY_QUOTES if character in line), None)
    if curly or any(f"U+{ord(character):04X}" in message for character in CURLY_QUOTES):
        return explanation("curly_quote", where, character=curly or "")
    if isinstance(error, TabError) or "inconsistent use of tabs" in message:
        return explanation("mixed_tabs", where)
    if isinstance(error, IndentationError):
        if message.startswith("unexpected indent"):
            return explanation("unexpected_indent", where)
        if message.startswith("expected an indented block"):
            return explanation("expected_indent", where)
        return explanation("indent_mismatch", where)
    misspelt = misspelt_keyword(line)
    if misspelt:
        return explanation("misspelt_keyword", where, word=misspelt[0], keyword=misspelt[1])
    if message.startswith("expected ':'"):
        return explanation("missing_colon", where)
    never_closed = re.match(r"'(.)' was never closed", message)
    if never_closed:
        return explanation("unclosed_bracket", where, bracket=never_closed.group(1))
    if message.startswith("unterminated"):
        return explanation("unclosed_string", where)
    if "does not match opening parenthesis" in message or message.startswith("unmatched"):
        return explanation("unmatched_bracket", where)
    invalid = re.match(r"invalid character '(.)'", message)
    if invalid:
        return explanation("invalid_character", where, character=invalid.group(1))
    if message.startswith("invalid non-printable character"):
        return explanation("invalid_character", where, character=message.rsplit(" ", 1)[-1])
    if re.search(r"\b(if|elif|else|for|while|def|class|try|except|with)\b[^:]*$", line.split("#")[0]):
        return explanation("missing_colon", where)
    return explanation("syntax_error", where)


def misspelt_keyword(line):
    """A word of the line that is not a keyword but looks like one (retrun, esle, whlie), and that keyword."""
    code = re.sub(r"(\"[^\"]*\"|'[^']*')", "", line.split("#")[0])
    words = re.findall(r"[A-Za-z_]\w*", code)
    starts = {
        "return",
        "else",
        "elif",
        "while",
        "for",
        "def",
        "class",
        "import",
        "from",
        "if",
        "print",
        "True",
        "False",
    }
    for word in words:
        if keyword.iskeyword(word) or word in dir(builtins) or len(word) < 2:
            continue
        close = difflib.get_close_matches(word, sorted(starts | set(keyword.kwlist)), n=1, cutoff=0.75)
        if (close and sorted(close[0]) == sorted(word)) or (close and len(word) >= 4 and close[0] in starts):
            return word, close[0]
    return None


# Runtime: from the live exception, in the learner's process.


def of_exception(error, learner_dir):
    """Explain an exception raised by the learner's code, at the last line of theirs it passed through."""
    if type(error).__name__ == "OutOfTime":
        return explanation("too_slow", where_running(getattr(error, "frame", None), learner_dir))
    frame, where = learner_frame(error, learner_dir)
    kind = type(error)
    message = safe_str(error)
    if isinstance(error, EOFError):
        return explanation("input_in_function", where)
    if isinstance(error, RecursionError):
        return explanation("recursion", where)
    if isinstance(error, ZeroDivisionError):
        return explanation("zero_division", where)
    if isinstance(error, NameError) and not isinstance(error, UnboundLocalError):
        name = getattr(error, "name", None) or first_quoted(message)
        names = set(dir(builtins))
        if frame is not None:
            names |= set(frame.f_locals) | set(frame.f_globals)
        return explanation("name_error", where, name=name, suggestion=closest(name, names))
    if isinstance(error, UnboundLocalError):
        return explanation("unbound_local", where, name=first_quoted(message))
    if isinstance(error, KeyError):
        key = error.args[0] if error.args else ""
        return explanation("key_error", where, key=safe_repr(key))
    if isinstance(error, IndexError):
        return explanation("index_error", where, kind=first_word(message))
    if isinstance(error, AttributeError):
        obj = getattr(error, "obj", None)
        name = getattr(error, "name", None) or (re.findall(r"'([^']*)'", message) or [""])[-1]
        if "'NoneType' object" in message:
            return explanation("none_attribute", where, attribute=name)
        if obj is not None or re.match(r"'\w+' object has no attribute", message):
            type_name = type(obj).__name__ if obj is not None else first_quoted(message)
            choices = dir(obj) if obj is not None else []
            return explanation(
                "no_such_method", where, type=type_name, attribute=name, suggestion=closest(name, choices)
            )
    if isinstance(error, TypeError):
        if re.search(r"positional argument|required (keyword-only )?argument|unexpected keyword argument", message):
            called = re.match(r"([\w.]+)\(\)", message)
            function = called.group(1) if called else ""
            return explanation("wrong_arguments", where or definition(function, learner_dir), function=function)
        if "object is not callable" in message:
            return explanation("not_callable", where, type=first_quoted(message))
        if "unsupported operand" in message or "can only concatenate" in message or "must be str" in message:
            return explanation("mixed_types", where)
    if isinstance(error, ValueError) and "invalid literal for int()" in message:
        return explanation("not_a_number", where, text=message.rsplit(": ", 1)[-1])
    return explanation("exception", where, type=kind.__name__)


def learner_frame(error, learner_dir):
    """The last frame of the learner's code in the traceback, and where it is (file, line, code)."""
    found, where = None, None
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(learner_dir + os.sep):
            found = tb.tb_frame
            file = os.path.relpath(filename, learner_dir)
            where = place(file, tb.tb_lineno, read_source(filename))
        tb = tb.tb_next
    if where is None and isinstance(error, SyntaxError) and error.filename:
        where = place(os.path.basename(error.filename), error.lineno, None)
    return found, where


def where_running(frame, learner_dir):
    """The learner's line that the interrupted frame (or the nearest of its callers) was running."""
    while frame is not None and not frame.f_code.co_filename.startswith(learner_dir + os.sep):
        frame = frame.f_back
    if frame is None:
        return None
    path = frame.f_code.co_filename
    return place(os.path.relpath(path, learner_dir), frame.f_lineno, read_source(path))


def definition(function, learner_dir):
    """Where the learner's function of that name is defined, when the error was raised before it ran."""
    name = function.rsplit(".", 1)[-1]
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        code = getattr(getattr(module, name, None), "__code__", None)
        if path.startswith(learner_dir + os.sep) and code is not None:
            return place(os.path.relpath(path, learner_dir), code.co_firstlineno, read_source(path))
    return None


def read_source(path):
    """The learner's file as text, or None."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


# In the tests' process: what the learner's module lacks, what a comparison got.


def of_missing_name(message, public_names):
    """Explain an import or attribute error for a name the tests need and the learner's module lacks."""
    imported = re.search(r"cannot import name '([^']+)' from '([^']+)'", message)
    attribute = re.search(r"module '([^']+)' has no attribute '([^']+)'", message)
    if imported:
        name, module = imported.groups()
    elif attribute:
        module, name = attribute.groups()
    else:
        return None
    names = public_names.get(module, [])
    return explanation("missing_name", None, name=name, file=f"{module}.py", suggestion=closest(name, names))


def of_comparison(got, expected, is_handle):
    """Explain a failed == whose two sides have different kinds: None came back, or a number for text."""
    if is_handle(got) or is_handle(expected):
        return None
    if got is None and expected is not None:
        return explanation("returned_none", None, expected=kind_of(expected))
    got_kind, expected_kind = kind_of(got), kind_of(expected)
    if got_kind != expected_kind and not (got_kind == "number" and expected_kind == "number"):
        return explanation("wrong_type", None, got=got_kind, expected=expected_kind)
    return None


def kind_of(value):
    """The kind of a value in a beginner's words (the host translates them)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dictionary"
    if value is None:
        return "nothing"
    return "other"


def closest(name, names):
    """The name among names that name was probably meant to be, or ''."""
    if not isinstance(name, str) or not name:
        return ""
    candidates = [
        str(candidate) for candidate in names if isinstance(candidate, str) and not candidate.startswith("__")
    ]
    exact = [candidate for candidate in candidates if candidate.lower() == name.lower() and candidate != name]
    if exact:
        return exact[0]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return close[0]
    prefixed = [candidate for candidate in candidates if candidate.startswith(name) or name.startswith(candidate)]
    return prefixed[0] if len(prefixed) == 1 and len(prefixed[0]) > 2 else ""


def safe_str(error):
    """str() of an exception that may misbehave (a learner's __str__ may raise)."""
    try:
        return str(error)
    except Exception:
        return ""


def safe_repr(value):
    try:
        return repr(value)
    except Exception:
        return "?"


def first_quoted(message):
    found = re.search(r"'([^']*)'", message)
    return found.group(1) if found else ""


def first_word(message):
    return message.split(" ", 1)[0] if message else ""


def summary(error):
    """Python's own last line for the error, for the details under an explanation."""
    return clip("".join(traceback.format_exception_only(type(error), error)).strip(), 500)
