"""The tests' side of the boundary: the learner's modules, classes and objects as handles.

A test writes `from bank_account import BankAccount` as usual; `BankAccount` here is a handle, and
every use of it (calling it, reading an attribute, comparing, iterating…) is a request to the
learner's process, whose answer comes back by the rules of plain.py: plain values by value,
anything else as another handle. Nothing the learner's code does runs in this process, and
nothing it sends decides a plain comparison: `handle == 3` and `bool(handle)` never ask it.
"""

import builtins
import os
import sys
import types

import plain
import wire


class LearnerError(Exception):
    """An exception of the learner's code that cannot be rebuilt as one of Python's own kinds."""


class LearnerException(Exception):
    """Base of the classes made here for the learner's own exception classes (see exception_class)."""

    def __init__(self, *args):
        super().__init__(*args)
        self._text = None
        self._handle = None

    def __str__(self):
        return self._text if self._text is not None else super().__str__()

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


class NotAPlainValue(AssertionError):
    """A test used an object of the learner's code where only a plain value can be judged."""


class Handle(wire.Remote):
    """An object of the learner's code; using it asks the learner's process."""

    __slots__ = ()

    def __eq__(self, other):
        if not (isinstance(other, Handle) and other._r_end is self._r_end):
            return NotImplemented  # never ask the learner's code whether it equals a plain value
        return _truth(self._r("eq", self, other), f"comparing two {self._r_type} objects")

    def __ne__(self, other):
        if not (isinstance(other, Handle) and other._r_end is self._r_end):
            return NotImplemented
        return _truth(self._r("ne", self, other), f"comparing two {self._r_type} objects")

    def __hash__(self):
        return self._r("hash", self)

    def __bool__(self):
        raise NotAPlainValue(f"{describe(self)} was used as true or false; the test expects a plain value")

    def __repr__(self):
        try:
            return self._r("repr", self)
        except (LearnerGone, LearnerTimeout):
            return f"<{self._r_type} object from your code>"

    def __instancecheck__(self, instance):
        return _truth(self._r("isinstance", instance, self), "isinstance")

    def __subclasscheck__(self, subclass):
        return _truth(self._r("issubclass", subclass, self), "issubclass")


def describe(value) -> str:
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
        raise NotAPlainValue(f"{what} gave {describe(value)}, not True or False")
    return value


class _LearnerExceptionType(type):
    """Lets isinstance() ask the learner's process about a handle of one of its exceptions."""

    def __instancecheck__(cls, instance):
        if isinstance(instance, Handle) and cls.__dict__.get("_learner_class") is not None:
            return _truth(instance._r("isinstance", instance, cls.__dict__["_learner_class"]), "isinstance")
        return super().__instancecheck__(instance)


class TestsEnd(wire.Endpoint):
    """The tests' side: lends callbacks, keeps the run's deadline, and never trusts an answer."""

    __test__ = False  # not a pytest class
    side = "T"

    READ_ONLY = frozenset(wire.OPERATIONS) - wire.CHANGING
    """What the learner's code may do with what a test lends it: use it, never change it."""

    UNLENDABLE = (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType)
    """What is never lent: through them the learner's code could reach the tests' globals and files."""

    def __init__(self, sock, deadline: float):
        super().__init__(sock)
        self.deadline = deadline
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
        except wire.ChannelTimeout:
            self.timed_out = True
            raise LearnerTimeout("loading your code did not finish in time") from None
        except wire.ChannelBroken as error:
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

    def allows(self, operation, args):
        if operation not in self.READ_ONLY:
            return f"your code may use, not change, what the tests pass to it ({operation})"
        first = args[0]
        if isinstance(first, Handle) or id(first) not in self.numbers:
            return f"{operation} may only be asked about something the tests passed to your code"
        if operation == "getattr" and (len(args) != 2 or type(args[1]) is not str or args[1].startswith("_")):
            return "your code may only read the public attributes of what the tests pass to it"
        return ""

    def export(self, value, encoder, depth):
        # What stands here for the learner's own exception classes and exceptions goes back as theirs.
        learner_own = value.__dict__.get("_learner_class") if isinstance(value, _LearnerExceptionType) else None
        if isinstance(value, LearnerException):
            learner_own = value.__dict__.get("_handle")
        if learner_own is not None:
            return super().export(learner_own, encoder, depth)
        return super().export(value, encoder, depth)

    def lend(self, value, encoder, depth):
        if isinstance(value, self.UNLENDABLE):
            raise plain.NotPlain(f"a {type(value).__name__} cannot be passed to your code")
        return {"type": type(value).__name__[:100], "kind": "callable" if callable(value) else "object"}

    def proxy(self, number, data, decoder, depth):
        kind, type_name = data.get("kind"), data.get("type")
        if type(type_name) is not str or type(kind) is not str:
            raise plain.NotPlain("malformed reference")
        handle = Handle(self, number, type_name[:100], kind[:40])
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
        if isinstance(error, AssertionError) or type(error).__name__ in ("Failed", "XFailed", "Skipped", "Exit"):
            self.failed_checks.append(error)
        return result, error, extras

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
            sys.stdout.write(output)  # so pytest's capture and capsys see what the learner printed

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
        rebuilt = self._own_kind(error, message) if error.get("builtin") is not True else None
        if rebuilt is None:
            rebuilt = _builtin_kind(kind, wire.rebuilt_args(error, message), message, operation)
        if where:
            rebuilt.add_note(f"(raised in {where})")
        return rebuilt

    def _own_kind(self, error, message):
        decoder = plain.Decoder(resolve=self.resolve)
        try:
            made = decoder.decode(error.get("class"))
            instance = decoder.decode(error.get("instance"))
        except (plain.NotPlain, RecursionError):
            return None
        if not (isinstance(made, type) and issubclass(made, LearnerException)):
            return None
        args = wire.rebuilt_args(error, message)
        try:
            rebuilt = made(*args)
        except Exception:
            rebuilt = made(message)
        rebuilt._text, rebuilt._handle = message, instance if isinstance(instance, Handle) else None
        return rebuilt

    def forget_lent(self):
        """Take back what the last test lent: a callback called after its test ended is refused."""
        self.forget()


def _builtin_kind(kind, args, message, operation):
    builtin = getattr(builtins, kind, None)
    if builtin in (StopIteration, StopAsyncIteration) and operation != "next":
        builtin, args = RuntimeError, (message,)  # as PEP 479: a StopIteration must not quietly end a test's loop
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        for attempt in (args, (message,)):
            try:
                return builtin(*attempt)  # the arguments exactly, so tests may compare the message
            except Exception:  # some built-in exceptions take other arguments
                continue
    return LearnerError(f"{kind}: {message}")


class LearnerModule(types.ModuleType):
    """A module whose attributes live in the learner's process."""

    def __init__(self, name: str, handle):
        super().__init__(name)
        self.__dict__["_handle"] = handle

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


SHARED_DIR = "/tmp/shared"
"""Files the tests write for the learner's code to read: made by run.py, owned by the tests' user."""


def shared_file(name: str, text: str) -> str:
    """Write a text file the learner's code can read (not change); return its path."""
    if "/" in name or name.startswith("."):
        raise ValueError("give a plain file name")
    path = os.path.join(SHARED_DIR, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o644)
    return path


def install(end: TestsEnd, modules: dict, programs: list) -> None:
    """Make the learner's modules and the `grading` helpers importable by the tests."""
    global _end
    _end = end
    for name in programs:
        if name not in sys.modules:  # never replace a module the tests or pytest already use
            sys.modules[name] = LearnerModule(name, modules.get(name))
    helpers = types.ModuleType("grading")
    helpers.run_program = run_program
    helpers.given_input = given_input
    helpers.shared_file = shared_file
    helpers.LearnerError = LearnerError
    sys.modules["grading"] = helpers
