"""The tests' side of the boundary: the learner's modules, classes and objects as handles.

A test writes `from bank_account import BankAccount` as usual; `BankAccount` here is a handle, and
every use of it (calling it, reading an attribute, comparing, iterating…) is a request to the
learner's process, whose answer comes back by the rules of plain.py: plain values by value,
anything else as another handle. Nothing the learner's code does runs in this process, and
nothing it sends decides a plain comparison: `handle == 3` and `bool(handle)` never ask it.
"""

import collections.abc
import decimal
import fractions
import os
import sys
import types
import unittest

import plain
from crossing import Remote

NUMBERS = (bool, int, float, complex, decimal.Decimal, fractions.Fraction)
"""Plain results that would let a learner's __sub__ decide how close it is to an expected number."""

DIFFERENCES = ("sub", "truediv", "floordiv", "mod")
"""Operators whose result with a plain number measures how close an object is to it (x - 7.0, x / 7.0)."""


class LearnerError(Exception):
    """An exception of the learner's code that cannot be rebuilt as one of Python's own kinds."""


class LearnerException(Exception):
    """Base of the classes made here for the learner's own exception classes (see exception_class)."""

    def __init__(self, *args):
        super().__init__(*args)
        self._text = None
        self._handle = None

    def __str__(self):
        text = self.__dict__.get("_text")
        return text if text is not None else super().__str__()

    def __getattr__(self, name):
        # The learner's exception object stays in its process; its other attributes are read there.
        handle = self.__dict__.get("_handle")
        if handle is None or name.startswith("_"):
            raise AttributeError(name)
        return getattr(handle, name)


class LearnerTimeout(AssertionError):
    """The learner's code did not answer within the time left."""


class LearnerGone(AssertionError):
    """The learner's process has stopped or broke the connection, so no more requests can be made."""


class NotAPlainValue(TypeError):
    """A test used an object of the learner's code where only a plain value can be judged.

    Not an AssertionError: a test's helper that catches failed assertions must not hide it.
    """


class Handle(Remote):
    """An object of the learner's code; using it asks the learner's process."""

    __slots__ = ("_h_difference", "_h_truthy")

    def __eq__(self, other):
        if not _same_process(self, other):
            return NotImplemented  # never ask the learner's code whether it equals a plain value
        return _truth(self._r("eq", self, other), f"comparing two {self._r_type} objects")

    def __ne__(self, other):
        if not _same_process(self, other):
            raise NotAPlainValue(f"{what_it_is(self)} was compared with {what_it_is(other)}; expected a plain value")
        return _truth(self._r("ne", self, other), f"comparing two {self._r_type} objects")

    def __exit__(self, kind, error, trace):
        if is_failed_check(error):
            # A failed check inside the block is the test's own: the learner's code neither sees nor stops it.
            self._r_end.failed_checks.append(error)
            self._r("exit", self, None, None, None)
            return False
        # The learner's __exit__ is told, but may hide only an exception of the test's own classes (one a
        # test double raised, as paasio's do): hiding its own errors would leave the rest of the block unchecked.
        try:
            suppress = self._r("exit", self, kind, error, None) is True
        except plain.NotPlain:  # an error of a kind that cannot be lent is told as none, and never hidden
            self._r("exit", self, None, None, None)
            return False
        return suppress and self._r_end.use_of(error) == "own"

    def __mro_entries__(self, bases):
        raise TypeError(f"a test cannot make a subclass of {what_it_is(self)}: it lives in another process")

    def __hash__(self):
        return self._r("hash", self)

    def __bool__(self):
        # An object without __bool__ or __len__ is true, as Python has it, without asking anything;
        # one with them would decide the answer itself, so a test never takes it as true or false.
        if getattr(self, "_h_truthy", False) and not getattr(self, "_h_difference", False):
            return True
        raise NotAPlainValue(f"{what_it_is(self)} was used as true or false; the test expects a plain value")

    def __repr__(self):
        try:
            return self._r("repr", self)
        except (LearnerGone, LearnerTimeout):
            return f"<{self._r_type} object from your code>"

    def __instancecheck__(self, instance):
        return _truth(self._r("isinstance", instance, self), "isinstance")

    def __subclasscheck__(self, subclass):
        return _truth(self._r("issubclass", subclass, self), "issubclass")


def _same_process(handle, other) -> bool:
    """Whether other is a handle of the same learner's process (else: a plain value, or the test's own)."""
    return isinstance(other, Handle) and other._r_end is handle._r_end


def _plain_guard(operation, reflected=False, result_check=False):
    """An operator of Handle that refuses to let the learner's code judge a plain value the test gave.

    Ordering against a plain value (`area() > 6.9`) is refused outright. A subtraction with a plain
    value must give an object back: otherwise `abs(area() - 7.0) < 1e-9`, which assertAlmostEqual
    and pytest.approx compute, would be decided by the learner's __sub__.
    """

    def method(self, other):
        plain_other = not _same_process(self, other)
        if plain_other and (not result_check or getattr(self, "_h_difference", False)):
            raise NotAPlainValue(f"{what_it_is(self)} was compared with {what_it_is(other)}; expected a plain value")
        result = self._r(operation, other, self) if reflected else self._r(operation, self, other)
        if plain_other and result_check and isinstance(result, NUMBERS):
            raise NotAPlainValue(f"{what_it_is(self)} came where the test expects a plain value like {other!r}")
        if plain_other and result_check and isinstance(result, Handle):
            object.__setattr__(result, "_h_difference", True)  # e.g. ComplexNumber(5, 7) - 4: compared, not measured
        return result

    return method


def _measure_guard(operation):
    """abs(), round(), int()… of the learner's object, refused on a difference from a plain number."""

    def method(self, *args):
        if getattr(self, "_h_difference", False):
            raise NotAPlainValue(f"{what_it_is(self)} was measured against a plain value; expected a plain value")
        return self._r(operation, self, *args)

    return method


for _name in ("lt", "le", "gt", "ge"):
    setattr(Handle, f"__{_name}__", _plain_guard(_name))
for _name in DIFFERENCES:
    setattr(Handle, f"__{_name}__", _plain_guard(_name, result_check=True))
    setattr(Handle, f"__r{_name}__", _plain_guard(_name, reflected=True, result_check=True))
for _name in ("abs", "int", "float", "index"):
    setattr(Handle, f"__{_name}__", _measure_guard(_name))
_round = _measure_guard("round")
Handle.__round__ = lambda self, digits=None: _round(self) if digits is None else _round(self, digits)


class GeneratorHandle(Handle):
    """A generator of the learner's code, which isinstance(h, collections.abc.Generator) recognises."""

    __slots__ = ()


collections.abc.Generator.register(GeneratorHandle)


def is_failed_check(error) -> bool:
    """Whether the exception fails the test whoever catches it: a failed check of the test's own (an assert,
    pytest.fail…) or an error its code met (an object where a plain value belongs, a stack or memory run out)."""
    failed = (AssertionError, NotAPlainValue, RecursionError, MemoryError)
    return isinstance(error, failed) or (
        isinstance(error, BaseException) and type(error).__module__.startswith("_pytest")
    )


def what_it_is(value) -> str:
    """What a value of the learner's code is, for a message; a plain value is shown as itself."""
    if isinstance(value, Handle) and value._r_kind in ("function", "class", "exception_class", "module"):
        return f"the {value._r_kind.replace('exception_class', 'class')} {value._r_type} from your code"
    if isinstance(value, Handle):
        article = "an" if value._r_type[:1].lower() in "aeiou" else "a"
        return f"{article} {value._r_type} object from your code"
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "…"


def _truth(value, what):
    if type(value) is not bool:
        raise NotAPlainValue(f"{what} gave {what_it_is(value)}, not True or False")
    return value


class LearnerModule(types.ModuleType):
    """A module whose attributes live in the learner's process."""

    def __init__(self, name: str, handle, public: list[str]):
        super().__init__(name)
        self.__dict__["_handle"] = handle
        self.__dict__["__all__"] = public  # what `from module import *` takes

    def __getattr__(self, name: str):
        handle = self.__dict__.get("_handle")
        if name.startswith("__"):
            raise AttributeError(name)
        if handle is None:
            message = f"{self.__name__}.py asks for input when it starts, so the tests can only run it as a program"
            raise RuntimeError(message)
        return getattr(handle, name)


_end = None
"""The channel to the learner's process, once installed."""


def run_program(module: str, stdin: str = "") -> str:
    """Run a learner's module as a program with the given input; return what it printed."""
    with _end.lock:
        answer = _end.request({"op": "run", "module": module, "stdin": stdin}, f"running {module}.py")
    _end.received(answer)
    if answer.get("ok") is not True:
        raise _end.rebuild(answer.get("error"), "run")
    output = answer.get("output")
    return output if isinstance(output, str) else ""


class given_input:
    """Within this block, the learner's input() reads these lines."""

    def __init__(self, text: str):
        self.text = text

    def __enter__(self):
        self.saved, _end.stdin = _end.stdin, self.text

    def __exit__(self, *exc):
        _end.stdin = self.saved


_shared_dir = ""
"""Files the tests write for the learner's code to read: made by run.py, owned by the tests' user."""


def shared_file(name: str, text: str) -> str:
    """Write a text file the learner's code can read (not change); return its path."""
    if "/" in name or name.startswith("."):
        raise ValueError("give a plain file name")
    path = os.path.join(_shared_dir, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o644)
    return path


STAR_NEVER = frozenset({"pytest", "unittest", "mock", "grading", "math", "random"})
"""Names `from learner import *` never brings into a test, besides any module's: they would replace the test's own."""


def _may_star_import(name) -> bool:
    """Whether `from learner import *` may bind this name in a test: never over a module or a tool of the tests."""
    return (
        type(name) is str
        and name.isidentifier()
        and name not in STAR_NEVER
        and name not in sys.modules
        and name not in sys.stdlib_module_names
    )


def _explain_unittest_comparisons() -> None:
    """Make assertEqual say what came when an object of the learner's code meets a plain value.

    Its own message would ask the learner's __repr__ for both sides ("Clock(8, 0) != '08:00'" or
    even "08:00 != 08:00"); this one names the object's type instead.
    """
    original = unittest.TestCase._baseAssertEqual

    def base_assert_equal(self, first, second, msg=None):
        if isinstance(first, Handle) != isinstance(second, Handle):
            got, expected = (first, second) if isinstance(first, Handle) else (second, first)
            standard = f"{what_it_is(got)} != {what_it_is(expected)} (the test expects a plain value)"
            raise self.failureException(self._formatMessage(msg, standard))
        return original(self, first, second, msg)

    unittest.TestCase._baseAssertEqual = base_assert_equal


def install(end, report: dict, programs: list, shared_dir: str) -> None:
    """Make the learner's modules (from the load report) and the `grading` helpers importable by the tests."""
    global _end, _shared_dir
    _end, _shared_dir = end, shared_dir
    modules, public = end.modules(report), report.get("public")
    public = public if type(public) is dict else {}
    for name in programs:
        names = public.get(name)
        names = [item for item in names if _may_star_import(item)] if type(names) is list else []
        if name not in sys.modules:  # never replace a module the tests or pytest already use
            sys.modules[name] = LearnerModule(name, modules.get(name), names)
    _explain_unittest_comparisons()
    helpers = types.ModuleType("grading")
    helpers.run_program = run_program
    helpers.given_input = given_input
    helpers.shared_file = shared_file
    helpers.LearnerError = LearnerError
    sys.modules["grading"] = helpers
