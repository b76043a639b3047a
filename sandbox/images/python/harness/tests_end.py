"""The tests' side of the channel: what the tests lend the learner's code, and how its answers are rebuilt.

The tests lend only what is theirs, decided before anything is kept (use_of); the learner's code
may only use a loan as its kind allows (allows); every answer is checked, and the learner's
exceptions are rebuilt as Python's kinds, as the library's, or as classes made for its own.
"""

import builtins
import collections.abc
import contextlib
import functools
import io
import operator
import sys
import types

import plain
from crossing import BINARY, CHANGING, FORWARDED_DUNDERS, OPERATIONS, is_builtin, rebuilt_args
from endpoint import Endpoint
from proxy import (
    GeneratorHandle,
    Handle,
    LearnerError,
    LearnerException,
    LearnerGone,
    LearnerTimeout,
    _truth,
    is_failed_check,
)
from wire import ChannelBroken, ChannelTimeout

OUTPUT_CAP = 100_000
"""Characters of the learner's output kept from one answer (its own side cuts there too, if it plays fair)."""

TEST_DOUBLES = (io.StringIO, io.BytesIO)
"""Objects of Python's library that tests hand over as stand-ins (a file in memory); nothing leads on from them."""

CALLED_KINDS = (
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    operator.itemgetter,
    operator.attrgetter,
)
"""Callables of Python's that a test may lend to be called (len, str.upper, itemgetter(1)…), nothing more."""


class _LearnerExceptionType(type):
    """Lets isinstance() ask the learner's process about a handle of one of its exceptions."""

    def __instancecheck__(cls, instance):
        if isinstance(instance, Handle) and cls.__dict__.get("_learner_class") is not None:
            return _truth(instance._r("isinstance", instance, cls.__dict__["_learner_class"]), "isinstance")
        return super().__instancecheck__(instance)


class TestsEnd(Endpoint):
    """The tests' side: lends callbacks, keeps the run's deadline, and never trusts an answer."""

    __test__ = False  # not a pytest class
    side = "T"

    READ_ONLY = frozenset(OPERATIONS) - CHANGING
    """What the learner's code may do with the tests' own objects: use them, never change them."""

    NEVER_CALLED = frozenset({
        "eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr", "vars", "globals",
        "locals", "breakpoint", "input", "help", "exit", "quit", "format", "format_map", "dir",
    })  # fmt: skip
    """Callables the learner's code may never have called here, whoever lent them: they reach beyond their
    arguments (format strings walk attributes, getattr reads any of them)."""

    def __init__(self, sock, deadline: float, tests_dir: str):
        super().__init__(sock)
        self.deadline = deadline
        self.tests_dir = tests_dir
        self.uses = {}
        """Reference number → how the learner's code may use what was lent: "own", "call" or "iterate"."""
        self.lent_by_test = set()
        """Reference numbers lent while a test ran, taken back when it ends (fixtures' loans stay)."""
        self.in_test = False
        self.reading_attribute = False
        self.timed_out = False
        self.died = False
        self.reported = False
        self.stdin = ""
        self.failed_checks = []
        """Assertions that failed inside what a test lent: they fail the test even if the learner's code caught them."""

    def ready(self) -> dict:
        """Wait for the learner's modules to load; return the load report."""
        try:
            report = self.connection.receive(self.deadline)
        except ChannelTimeout:
            self.timed_out = True
            raise LearnerTimeout("loading your code did not finish in time") from None
        except ChannelBroken as error:
            raise LearnerGone(f"your program stopped while loading ({error})") from None
        if type(report) is not dict or report.get("ready") is not True:
            raise LearnerGone("your program broke the connection to the tests while loading")
        return report

    def modules(self, report: dict) -> dict:
        """Module name → the handle of that learner module, from the load report."""
        encoded = report.get("modules")
        if type(encoded) is not dict:
            raise LearnerGone("your program sent a broken load report")
        decoder = plain.Decoder(resolve=self.resolve)
        try:
            return {str(name): decoder.decode(value) for name, value in encoded.items()}
        except plain.NotPlain as error:
            raise LearnerGone(f"your program sent a broken load report ({error})") from None

    def allows(self, operation, args, kwargs=None):
        """Only what a test lent, only as its kind of loan allows, never to change it."""
        if operation not in self.READ_ONLY:
            return f"your code may use, not change, what the tests pass to it ({operation})"
        subject = args[1] if operation in ("isinstance", "issubclass") and len(args) > 1 else args[0]
        number = self.numbers.get(id(subject))
        if number is None or self.objects.get(number) is not subject:
            if operation in BINARY and len(args) == 2 and self._lent(args[1]) == "own":
                return ""  # a reflected operator (5 + tests_object): the tests' own object decides
            return f"{operation} may only be asked about something the tests passed to your code"
        use = self.uses.get(number)
        if use == "iterate" and operation not in ("iter", "next"):
            return "your code may only iterate what the tests pass to it here"
        if use == "call":
            if operation != "call" or subject is not args[0]:
                return "your code may only call what the tests pass to it here"
            if any(self._lent(arg) is not None for arg in (*args[1:], *(kwargs or {}).values())):
                return "your code may only give plain values and its own objects to this function"
        if operation == "getattr" and not _readable_name(args):
            return "your code may only read the public attributes of what the tests pass to it"
        return ""

    def _lent(self, value):
        number = self.numbers.get(id(value))
        return self.uses.get(number) if number is not None and self.objects.get(number) is value else None

    def export(self, value, encoder, depth):
        # What stands here for the learner's own exception classes and exceptions goes back as theirs.
        learner_own = value.__dict__.get("_learner_class") if isinstance(value, _LearnerExceptionType) else None
        if isinstance(value, LearnerException):
            learner_own = value.__dict__.get("_handle")
        if learner_own is not None:
            return super().export(learner_own, encoder, depth)
        return super().export(value, encoder, depth)

    def lend(self, value, encoder, depth):
        """Lend only the tests' own code and objects, generators they made, and callables of Python's."""
        if self.use_of(value) is None:
            raise plain.NotPlain(f"a {type(value).__name__} cannot be passed to your code")
        return {"type": type(value).__name__[:100], "kind": "callable" if callable(value) else "object"}

    def on_lent(self, number, value):
        self.uses[number] = self.use_of(value)
        if self.in_test:
            self.lent_by_test.add(number)

    def serve(self, request):
        # What the learner's code reads off a test's object is lent more narrowly than what a test hands over.
        self.reading_attribute = request.get("op") == "getattr"
        try:
            return super().serve(request)
        finally:
            self.reading_attribute = False

    def use_of(self, value):
        """How the learner's code may use a value of the tests: "own", "call", "iterate", or None (not lent)."""
        if isinstance(value, types.MethodType):
            function = value.__func__
            if self.reading_attribute and type(value.__self__).__module__ == "unittest.mock":
                return None  # configure_mock, reset_mock…: the test's checks on its mock are not the learner's
            return "own" if self._from_tests(function) and self._from_tests(value.__self__) else "call"
        bound_to = value.__self__ if isinstance(value, types.BuiltinMethodType) else None
        if self.reading_attribute and bound_to is not None and not isinstance(bound_to, types.ModuleType):
            return None  # read off a test's object (its dict's update) it would change it; handed over, it may
        if isinstance(value, types.FunctionType):
            return "own" if self._from_tests(value) else "call"
        if isinstance(value, types.GeneratorType):
            return "iterate" if value.gi_code.co_filename.startswith(self.tests_dir) else None
        if self._from_tests(value) or isinstance(value, TEST_DOUBLES) or type(value).__module__ == "unittest.mock":
            return "own"  # the tests' own objects, and the doubles they make: files in memory, mocks
        if isinstance(value, CALLED_KINDS) or (isinstance(value, type) and is_builtin(value)):
            return None if getattr(value, "__name__", "") in self.NEVER_CALLED else "call"
        if isinstance(value, functools.partial):
            return "call" if self.use_of(value.func) in ("own", "call") else None
        if type(value).__module__ == "builtins" and isinstance(value, collections.abc.Iterator):
            return "iterate"  # iter(), map(), zip() and the like over the test's values
        return None

    def _from_tests(self, value) -> bool:
        """Whether the value is code of the test files: a function, or a class of theirs or its instance."""
        if isinstance(value, types.FunctionType):
            return value.__code__.co_filename.startswith(self.tests_dir)
        kind = value if isinstance(value, type) else type(value)
        module = sys.modules.get(kind.__module__)
        return str(getattr(module, "__file__", "")).startswith(self.tests_dir)

    def proxy(self, number, data, decoder, depth):
        kind, type_name = data.get("kind"), data.get("type")
        if type(type_name) is not str or type(kind) is not str:
            raise plain.NotPlain("malformed reference")
        if kind == "module" and _library_module(data.get("name")) is not None:
            return _library_module(data.get("name"))  # json in the learner's code is json here too
        made = GeneratorHandle if kind == "generator" else Handle
        handle = made(self, number, type_name[:100], kind[:40])
        object.__setattr__(handle, "_h_truthy", data.get("truthy") is True)
        if kind != "exception_class":
            return handle
        return self.exception_class(handle, data, decoder, depth)

    def exception_class(self, handle, data, decoder, depth):
        """A real class for one of the learner's exception classes, so pytest.raises and except clauses work."""
        parents = data.get("parents", [])
        if type(parents) is not list:
            raise plain.NotPlain("malformed reference")
        bases = [decoder.decode(parent, depth + 1) for parent in parents]
        bases = tuple(base for base in bases if isinstance(base, type) and issubclass(base, LearnerException))
        if not bases:
            builtin = getattr(builtins, str(data.get("builtin")), None)
            ordinary = isinstance(builtin, type) and issubclass(builtin, Exception)
            # A learner's StopIteration must not end a test's loop as if the values ran out.
            if not ordinary or issubclass(builtin, (StopIteration, StopAsyncIteration)) or builtin is Exception:
                bases = (LearnerException,)
            else:
                bases = (builtin, LearnerException)
        name = handle._r_type if handle._r_type.isidentifier() else "LearnerException"
        for candidate in (bases, bases[:1], (LearnerException,)):
            try:
                made = _LearnerExceptionType(name, candidate, {"_learner_class": handle, "__module__": "learner"})
                break
            except TypeError:  # bases whose layouts cannot be combined
                continue
        return made

    def execute(self, function, args, kwargs, request):
        result, error, extras = super().execute(function, args, kwargs, request)
        if is_failed_check(error):  # caught by the learner's code or not, the test fails
            self.failed_checks.append(error)
        return result, error, extras

    def describe(self, error):
        described = super().describe(error)
        if not described["builtin"] and self.use_of(error) == "own":
            # A test's own exception crosses as itself: raised on through the learner's code, it comes back.
            described["base"] = next(kind.__name__ for kind in type(error).__mro__ if is_builtin(kind))
            with contextlib.suppress(Exception):  # an exception that cannot be lent crosses by its kind alone
                described["origin"] = plain.Encoder(export=self.export).encode(error)
        return described

    def name_of(self, operation, args):
        target = args[0] if args else None
        name = target._r_type if isinstance(target, Handle) else type(target).__name__
        if operation == "call":
            return f"{name}()"
        if operation == "getattr" and len(args) > 1:
            return f"{name}.{args[1]}"
        return f"{operation} on a {name}"

    def request_extras(self):
        return {"stdin": self.stdin}

    def received(self, answer):
        output = answer.get("output")
        if isinstance(output, str) and output:
            # So pytest's capture and capsys see what the learner printed; capped here, not trusted there.
            sys.stdout.write(output if len(output) <= OUTPUT_CAP else output[:OUTPUT_CAP] + "\n[output cut]\n")

    def gone(self, reason, what):
        earlier, self.reported = self.reported, True
        self.timed_out = self.timed_out or reason == "timeout"
        self.died = self.died or reason == "stopped"
        if earlier:
            why = {
                "timeout": "an earlier call never finished",
                "stopped": "your program had stopped",
                "garbage": "your program broke the connection to the tests",
            }[reason]
            return LearnerGone(f"{what} could not run: {why}")
        if reason == "timeout":
            return LearnerTimeout(f"{what} did not finish in time. Is there a loop that never ends?")
        if reason == "stopped":
            return LearnerGone(f"your program stopped during {what} (did it call os._exit or kill itself?)")
        return LearnerGone(f"{what}: your program sent something that is not a value, or broke the connection")

    def rebuild(self, error, operation):
        """The learner's exception as Python's own kind, or as the class made for the learner's own kind."""
        if type(error) is not dict:
            return LearnerGone("your program sent a broken answer")
        kind, message = str(error.get("type"))[:100], str(error.get("message"))[:2000]
        where = str(error.get("where") or "")[:300]
        rebuilt = self._returning(error.get("origin"))
        if rebuilt is None and error.get("builtin") is not True:
            rebuilt = _library_kind(error, message) or self._own_kind(error, message)
        if rebuilt is None:
            rebuilt = _builtin_kind(kind, rebuilt_args(error, message), message)
        if isinstance(rebuilt, (StopIteration, StopAsyncIteration)) and operation != "next":
            # As PEP 479 has it, whatever path made it: a StopIteration must not quietly end a test's loop.
            rebuilt = RuntimeError(message)
        if where:
            rebuilt.add_note(f"(raised in {where})")
        explanation = error.get("explain")
        if self._returning(error.get("origin")) is not None:
            explanation = None  # the test's own exception coming back: not the learner's mistake
        if type(explanation) is dict and explanation.get("key") == "too_slow":
            # Out of time: the test ends as a timeout, and the learner's line travels with it.
            self.timed_out = True
            rebuilt = LearnerTimeout("your code did not finish in time. Is there a loop that never ends?")
        if type(explanation) is dict and hasattr(rebuilt, "__dict__"):
            rebuilt.__dict__["_explanation"] = explanation  # read by the report; checked again on the host
        return rebuilt

    def _returning(self, origin):
        """A test's own exception that went through the learner's code, if the answer names one that was lent."""
        if type(origin) is not dict:
            return None
        try:
            found = plain.Decoder(resolve=self.resolve).decode(origin)
        except Exception:
            return None
        return found if isinstance(found, BaseException) and self._lent(found) == "own" else None

    def _own_kind(self, error, message):
        decoder = plain.Decoder(resolve=self.resolve)
        try:
            made = decoder.decode(error.get("class"))
            instance = decoder.decode(error.get("instance"))
        except (plain.NotPlain, RecursionError):
            return None
        if not (isinstance(made, type) and issubclass(made, LearnerException)):
            return None
        args = rebuilt_args(error, message)
        try:
            rebuilt = made(*args)
        except Exception:  # a learner's __init__ is not run here: LearnerException takes any arguments
            rebuilt = LearnerException.__new__(made)
            LearnerException.__init__(rebuilt, message)
        rebuilt._text, rebuilt._handle = message, instance if isinstance(instance, Handle) else None
        return rebuilt

    def take_back(self):
        """Take back what the last test lent: a callback kept and called after its test ended is refused."""
        for number in self.lent_by_test:
            value = self.objects.pop(number, None)
            self.numbers.pop(id(value), None)
            self.uses.pop(number, None)
        self.lent_by_test.clear()


def _readable_name(args) -> bool:
    return len(args) == 2 and type(args[1]) is str and (not args[1].startswith("_") or args[1] in FORWARDED_DUNDERS)


def _library_module(name):
    """The tests' own module of Python's library by that name, if they have imported it."""
    if type(name) is not str or name == "builtins" or name.partition(".")[0] not in sys.stdlib_module_names:
        return None
    return sys.modules.get(name)


def _library_kind(error, message):
    """An exception of a class of Python's library (json.JSONDecodeError…) that the tests have imported too."""
    module_name, _, qualname = str(error.get("library", "")).partition(":")
    module = _library_module(module_name)
    kind = module
    for part in qualname.split(".") if module is not None else ():
        kind = getattr(kind, part, None) if part.isidentifier() and not part.startswith("_") else None
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        return None
    args = rebuilt_args(error, message)
    try:
        return kind(*args)
    except Exception:  # a class whose __init__ wants more (JSONDecodeError): made without it, same arguments
        made = kind.__new__(kind, *args)
        made.args = args
        return made


def _builtin_kind(kind, args, message):
    builtin = getattr(builtins, kind, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        for attempt in (args, (message,)):
            try:
                return builtin(*attempt)  # the arguments exactly, so tests may compare the message
            except Exception:  # some built-in exceptions take other arguments
                continue
    return LearnerError(f"{kind}: {message}")
