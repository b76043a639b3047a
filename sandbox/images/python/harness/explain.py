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
import types

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
    lines = source.replace("\r\n", "\n").split("\n") if source is not None else []
    if isinstance(line, int) and 0 < line <= len(lines):
        where["code"] = clip(lines[line - 1].rstrip(), CODE_LIMIT)  # Python numbers lines by \n alone
    return where


# Syntax: read from the source, before anything runs.


def of_syntax_error(error, file, source):
    """Explain a SyntaxError (IndentationError, TabError) of one file: Python's own precise words first."""
    where = place(file, error.lineno, source)
    message = str(getattr(error, "msg", "") or "")
    line = where.get("code", "")
    if any(f"U+{ord(character):04X}" in message for character in NON_BREAKING_SPACES):
        return explanation("nonbreaking_space", where)
    invalid = re.match(r"invalid character '(.)'", message)
    if invalid and invalid.group(1) in CURLY_QUOTES:
        return explanation("curly_quote", where, character=invalid.group(1))
    if isinstance(error, TabError) or "inconsistent use of tabs" in message:
        return explanation("mixed_tabs", where)
    if isinstance(error, IndentationError):
        if message.startswith("unexpected indent"):
            return explanation("unexpected_indent", where)
        if message.startswith("expected an indented block"):
            return explanation("expected_indent", where)
        return explanation("indent_mismatch", where)
    if message.startswith("expected ':'"):
        return explanation("missing_colon", where)
    never_closed = re.match(r"'(.)' was never closed", message)
    if never_closed:
        return explanation("unclosed_bracket", where, bracket=never_closed.group(1))
    if message.startswith("unterminated"):
        return explanation("unclosed_string", where)
    if "does not match opening parenthesis" in message or message.startswith("unmatched"):
        return explanation("unmatched_bracket", where)
    if invalid:
        return explanation("invalid_character", where, character=invalid.group(1))
    if message.startswith("invalid non-printable character"):
        return explanation("invalid_character", where, character=message.rsplit(" ", 1)[-1][:12])
    if message.startswith("invalid syntax"):
        misspelt = misspelt_keyword(line, source)
        if misspelt:
            return explanation("misspelt_keyword", where, word=misspelt[0], keyword=misspelt[1])
        if re.match(r"\s*(if|elif|else|for|while|def|class|try|except|with)\b[^:]*$", line.split("#")[0]):
            return explanation("missing_colon", where)
    return explanation("syntax_error", where)


STATEMENT_WORDS = ("return", "else", "elif", "while", "for", "def", "class", "import", "from", "if", "print", "pass")
"""Words a statement starts with, which beginners misspell (retrun, esle, whlie)."""


def misspelt_keyword(line, source):
    """The statement's first word when it is not a name of the code but looks like a keyword, and that keyword."""
    first = re.match(r"\s*([A-Za-z_]\w*)", line)
    if first is None:
        return None
    word = first.group(1)
    if keyword.iskeyword(word) or word in dir(builtins) or len(word) < 2:
        return None
    if len(re.findall(rf"\b{re.escape(word)}\b", source or "")) > 1:
        return None  # a name the code uses elsewhere: a variable, not a typo
    close = difflib.get_close_matches(word, STATEMENT_WORDS, n=1, cutoff=0.7)
    if close and (sorted(close[0]) == sorted(word) or len(word) == len(close[0])):
        return word, close[0]
    return None


# Runtime: from the live exception, in the learner's process.


def of_exception(error, learner_dir, out_of_time=None, in_program=False):
    """Explain an exception raised by the learner's code, at the last line of theirs it passed through.

    out_of_time is the harness's own class for an interrupted run (a learner's class of that name is not it);
    in_program says the code ran as a program, where input() reads what the test typed.
    """
    if out_of_time is not None and type(error) is out_of_time:
        return explanation("too_slow", where_running(getattr(error, "frame", None), learner_dir))
    frame, where = learner_frame(error, learner_dir)
    kind = type(error)
    message = safe_str(error)
    if isinstance(error, EOFError):
        return explanation("program_input" if in_program else "input_in_function", where)
    if isinstance(error, RecursionError):
        return explanation("recursion", where)
    if isinstance(error, ZeroDivisionError):
        return explanation("zero_division", where)
    if isinstance(error, NameError) and not isinstance(error, UnboundLocalError):
        name = getattr(error, "name", None) or first_quoted(message)
        own = set(frame.f_locals) | set(frame.f_globals) if frame is not None else set()
        suggestion = closest(name, own) or closest(name, dir(builtins), cutoff=0.85)
        return explanation("name_error", where, name=name, suggestion=suggestion)
    if isinstance(error, UnboundLocalError):
        return explanation("unbound_local", where, name=first_quoted(message))
    if isinstance(error, KeyError):
        key = error.args[0] if error.args else ""
        return explanation("key_error", where, key=safe_repr(key))
    if isinstance(error, IndexError):
        indexed = first_word(message)
        return explanation(
            "index_error", where, kind=indexed if indexed in ("list", "tuple", "string", "range") else ""
        )
    if isinstance(error, AttributeError):
        obj = getattr(error, "obj", None)
        name = getattr(error, "name", None) or (re.findall(r"'([^']*)'", message) or [""])[-1]
        if "'NoneType' object" in message:
            return explanation("none_attribute", where, attribute=name)
        if isinstance(obj, types.ModuleType):
            # The tests reach for a function of the learner's module that is not there (hello.greet).
            public = [entry for entry in dir(obj) if not entry.startswith("_")]
            return explanation(
                "missing_name", None, name=name, file=f"{obj.__name__}.py", suggestion=closest(name, public)
            )
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
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.startswith(learner_dir + os.sep):
            continue  # only the learner's own modules are looked into
        code = getattr(vars(module).get(name), "__code__", None)
        if code is not None:
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
    names = [name for name in names if type(name) is str] if type(names) is list else []
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


def closest(name, names, cutoff=0.6):
    """The name among names that name was probably meant to be, or ''."""
    if not isinstance(name, str) or not name:
        return ""
    candidates = [
        str(candidate) for candidate in names if isinstance(candidate, str) and not candidate.startswith("__")
    ]
    exact = [candidate for candidate in candidates if candidate.lower() == name.lower() and candidate != name]
    if exact:
        return exact[0]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=cutoff)
    if close:
        return close[0]
    if len(name) < 3:
        return ""
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


REPORTED_KEYS = ("key", "file", "line", "code", "got", "expected", "assertion")
"""What an explanation may hold besides its values; nothing else enters the report."""


def flat(found):
    """An explanation as the report carries it: flat, typed and short, whatever the learner's process sent."""
    if type(found) is not dict or type(found.get("key")) is not str:
        return None
    values = found.get("values") if type(found.get("values")) is dict else {}
    kept = {"key": found["key"][:40], "values": {}}
    for name, value in list(values.items())[:8]:
        if type(name) is str and type(value) is str:
            kept["values"][name[:40]] = clip(value, VALUE_LIMIT)
    for name in REPORTED_KEYS[1:]:
        value = found.get(name)
        if type(value) is str:
            kept[name] = clip(value, 300)
        elif name == "line" and type(value) is int and 0 < value < 1_000_000:
            kept[name] = value
        elif name == "assertion" and value is True:
            kept[name] = True
    return kept


def summary(error):
    """Python's own last line for the error, for the details under an explanation."""
    return clip("".join(traceback.format_exception_only(type(error), error)).strip(), 500)
