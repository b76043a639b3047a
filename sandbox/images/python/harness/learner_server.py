"""The learner's process: import the learner's modules, then do what the tests ask with their objects.

It runs as its own unprivileged user, so it cannot read the tests, signal the tests' process or
write the report. Its objects stay here; the tests hold references to them. What the tests pass
in that is not a plain value (a callback, an object of theirs) is a proxy here, whose use asks
the tests' process. Everything sent from here is checked again on the other side.
Usage: learner_server.py SOCKET_FD. It starts before the job arrives and waits on the socket for
the first message, which says where the learner's files are, which modules to import and by when.
"""

import builtins
import contextlib
import importlib
import inspect
import io
import os
import runpy
import signal
import socket
import sys
import threading
import time
import traceback
import types

sys.path.insert(0, "/opt/harness")

import explain
import plain
from crossing import Remote, is_builtin, plain_args, rebuilt_args
from endpoint import Endpoint
from wire import ChannelBroken, ChannelTimeout

OUTPUT_LIMIT = 100_000
"""Characters of printed output kept per request; the rest is counted and dropped."""


class CappedOutput(io.TextIOBase):
    """A stdout that keeps the first OUTPUT_LIMIT characters and notes that the rest was cut."""

    def __init__(self):
        self.parts, self.size, self.cut = [], 0, False

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = OUTPUT_LIMIT - self.size
        if len(text) > room:
            self.cut = True
            text = text[: max(room, 0)]
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def text(self):
        return "".join(self.parts) + ("\n[output cut: your program printed too much]\n" if self.cut else "")


class TestsObject(Remote):
    """Something the tests passed in (a function, an object of theirs): using it asks the tests' process."""

    __slots__ = ()

    # Identity, answered here: the same object of the tests is always the same proxy (callbacks in lists, sets).
    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __hash__(self):
        return id(self)


class LearnerEnd(Endpoint):
    """The learner's side: lends the learner's objects, runs the tests' requests with output captured."""

    side = "L"

    def __init__(self, sock):
        super().__init__(sock)
        self.learner_dir, self.names, self.modules = "", [], {}
        self.interrupt_at = None
        """When the learner's code is interrupted to say where it was: just before the tests give up waiting."""

    def begin(self):
        """Wait for the job: the tests' process says where the files are, what to import and by when."""
        start = self.connection.receive()
        if type(start) is not dict or type(start.get("learner_dir")) is not str:
            raise ChannelBroken("no start message")
        names, deadline = start.get("modules"), start.get("deadline")
        if type(names) is not list or not all(type(name) is str for name in names) or type(deadline) is not float:
            raise ChannelBroken("a broken start message")
        self.learner_dir, self.names, self.interrupt_at = start["learner_dir"], names, deadline
        sys.path.insert(0, self.learner_dir)

    def load(self):
        """Import every learner module, capturing what it prints; describe the first failure."""
        output = CappedOutput()
        for name in self.names:
            with timed(self.interrupt_at):
                error = captured(output, "", lambda name=name: self.modules.__setitem__(name, _import(name)))
            if isinstance(error, EOFError):
                # It asked for input while loading: a program, which tests run with run_program.
                sys.modules.pop(name, None)
                continue
            if error is not None:
                described = {**self.where(error, f"while loading {name}.py"), "explain": self.explain(error)}
                return {"load_error": described, "output": output.text()}
        encoder = plain.Encoder(export=self.export)
        modules = {name: encoder.encode(module) for name, module in self.modules.items()}
        public = {name: _public_names(module) for name, module in self.modules.items()}
        return {
            "load_error": None,
            "modules": modules,
            "public": public,
            "programs": self.names,
            "output": output.text(),
        }

    def serve_forever(self):
        """Wait for the job, send the load report, then answer requests until the tests' process goes."""
        self.begin()
        self.connection.send({"ready": True, **self.load()})
        while True:
            request = self.connection.receive()
            if type(request) is not dict or type(request.get("id")) is not int:
                return
            if request.get("op") == "run":
                self.connection.send(self.run_program(request))
            else:
                self._answer(self.serve(request))

    def perform(self, operation, *args, **kwargs):
        with not_learner_code():
            return super().perform(operation, *args, **kwargs)

    def lend(self, value, encoder, depth):
        kind = _kind_of(value)
        lent = {"type": _type_name(value), "kind": kind}
        if not hasattr(type(value), "__bool__") and not hasattr(type(value), "__len__"):
            lent["truthy"] = True  # Python takes it as true without asking it
        if kind == "module":
            lent["name"] = str(value.__name__)[:200]
        if kind == "exception_class":
            lent["builtin"] = next(base.__name__ for base in value.__mro__ if is_builtin(base))
            parents = [base for base in value.__bases__ if issubclass(base, BaseException) and not is_builtin(base)]
            lent["parents"] = [encoder.encode(parent, depth + 1) for parent in parents]
        return lent

    def proxy(self, number, data, decoder, depth):
        return TestsObject(self, number, str(data.get("type"))[:100], str(data.get("kind"))[:100])

    def execute(self, function, args, kwargs, request):
        output = CappedOutput()
        result = []
        with timed(self.interrupt_at):
            error = captured(output, request.get("stdin"), lambda: result.append(function(*args, **kwargs)))
        return (result[0] if result else None), error, {"output": output.text()}

    def describe(self, error):
        if isinstance(error, OutOfTime):
            # Said as a plain timeout: the exception carries the learner's frame, which must not be lent.
            return {**_error("TimeoutError", "the time is up", ""), "explain": self.explain(error)}
        described = {**self.where(error, ""), **plain_args(error), "explain": self.explain(error)}
        origin = getattr(error, "__dict__", {}).get("_tests_origin")
        if origin is not None:
            described["origin"] = origin
        if not described["builtin"]:
            kind = type(error)
            if kind.__module__.partition(".")[0] in sys.stdlib_module_names:
                # An exception of Python's library (json, statistics…): the tests know that class themselves.
                described["library"] = f"{kind.__module__}:{kind.__qualname__}"
            encoder = plain.Encoder(export=self.export)
            try:
                described["class"] = encoder.encode(kind)
                described["instance"] = encoder.encode(error)
            except Exception:
                pass
        return described

    def explain(self, error, in_program=False):
        """The learner's mistake named from the live exception; never lets a misbehaving exception stop the run."""
        try:
            return explain.of_exception(error, self.learner_dir, OutOfTime, in_program=in_program)
        except Exception:
            return None

    def where(self, error, context):
        """An exception as plain data, with the line of the learner's code where it happened."""
        if isinstance(error, SystemExit):
            return _error("SystemExit", f"your code called exit() {context}".rstrip(), "")
        where = ""
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename.startswith(self.learner_dir):
                where = f"{os.path.relpath(frame.filename, self.learner_dir)}, line {frame.lineno}, in {frame.name}"
        try:
            message = str(error)
        except Exception:
            message = "(the error could not be shown)"
        return _error(type(error).__name__, message, where, is_builtin(type(error)))

    def rebuild(self, error, operation):
        if type(error) is not dict:
            return Exception("the tests' process failed")
        kind, message = str(error.get("type")), str(error.get("message"))
        rebuilt = None
        for name in (kind, error.get("base")):
            builtin = getattr(builtins, str(name), None)
            if rebuilt is None and isinstance(builtin, type) and issubclass(builtin, Exception):
                with contextlib.suppress(Exception):
                    rebuilt = builtin(*rebuilt_args(error, message))
        rebuilt = rebuilt or Exception(f"{kind}: {message}")
        if "origin" in error:
            rebuilt.__dict__["_tests_origin"] = error["origin"]  # so it goes back to the tests as their own
        return rebuilt

    def run_program(self, request):
        """Run one of the learner's modules as a program, with the given input."""
        name = request.get("module")
        if name not in self.names:
            return {"re": request["id"], "ok": False, "error": _error("ModuleNotFoundError", f"no {name}.py", "")}
        output = CappedOutput()
        path = os.path.join(self.learner_dir, f"{name}.py")
        with timed(self.interrupt_at):
            error = captured(output, request.get("stdin"), lambda: runpy.run_path(path, run_name="__main__"))
        answer = {"re": request["id"], "back": [], "output": output.text()}
        if error is None or (isinstance(error, SystemExit) and error.code in (None, 0)):
            return {**answer, "ok": True, "value": None}
        explained = self.explain(error, in_program=True)
        return {**answer, "ok": False, "error": {**self.where(error, "while running"), "explain": explained}}


def captured(output, stdin, action):
    """Run action with stdout and stderr captured and stdin given; return what it raised."""
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.StringIO(stdin if isinstance(stdin, str) else "")
    sys.stdout = sys.stderr = output
    previous = RUNNING[0]
    try:
        try:
            RUNNING[0] = True
            action()
        finally:
            RUNNING[0] = previous  # a nested call (code → a test's callback → code) gives the outer call back
    except BaseException as error:
        return error
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return None


def _public_names(module):
    """What `from module import *` takes: its __all__, or its names that do not start with _."""
    names = getattr(module, "__all__", None)
    if not isinstance(names, (list, tuple)):
        names = [name for name in vars(module) if not name.startswith("_")]
    return [str(name) for name in names][:1000]


def _kind_of(value):
    if inspect.isgenerator(value):
        return "generator"
    if isinstance(value, type):
        return "exception_class" if issubclass(value, BaseException) else "class"
    if isinstance(value, types.ModuleType):
        return "module"
    if isinstance(value, BaseException):
        return "exception"
    if callable(value):
        return "function"
    return "object"


NAMED = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType)
"""Values named by their own name in messages (greet(), Rectangle()); others by their type's name."""


def _type_name(value):
    name = getattr(value, "__name__", None) if isinstance(value, NAMED) else type(value).__name__
    return name if type(name) is str else "?"


def _error(kind, message, where, builtin=True):
    return {"type": kind, "builtin": builtin, "message": message[:2000], "where": where}


def _import(name):
    return importlib.import_module(name)


class OutOfTime(BaseException):
    """Raised into the learner's code just before the run's time is up, to learn which line it was on."""

    def __init__(self, frame):
        super().__init__("the time is up")
        self.frame = frame


RUNNING = [False]
"""Whether the learner's code is running now: only then is it interrupted (never the server between calls)."""

LATE = [None]
"""The frame the time ran out in while the server was busy for the learner's code (asking the tests)."""

TIMED = [0]
"""How deep calls to the learner's code are nested (code → a test's callback → code): the outermost arms the timer."""

REPEAT_SECONDS = 0.05
"""After the first interrupt, how often again: a bare `except:` in a loop cannot swallow it for good."""


def _out_of_time(_signal, frame):
    if RUNNING[0]:
        raise OutOfTime(frame)
    LATE[0] = frame


@contextlib.contextmanager
def timed(deadline):
    """Interrupt the learner's code shortly before the tests' deadline (a loop that never ends says where it is)."""
    if deadline is None or TIMED[0] or threading.current_thread() is not threading.main_thread():
        yield  # nested inside a timed call, or in a learner's thread: the outer call's timer keeps running
        return
    signal.setitimer(signal.ITIMER_REAL, max(0.01, deadline - time.monotonic()), REPEAT_SECONDS)
    TIMED[0] += 1
    try:
        yield
    finally:
        TIMED[0] -= 1
        signal.setitimer(signal.ITIMER_REAL, 0)
        LATE[0] = None


@contextlib.contextmanager
def not_learner_code():
    """While the server works for the learner's code (a call back to the tests), it is not interrupted there;
    an interrupt that came meanwhile is raised once the learner's code runs again."""
    running, RUNNING[0] = RUNNING[0], False
    try:
        yield
    finally:
        RUNNING[0] = running
        late, LATE[0] = LATE[0], None
        if running and late is not None:
            raise OutOfTime(late)


def main():
    sock = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGALRM, _out_of_time)  # once: each call to the learner's code only sets the timer
    with contextlib.suppress(ChannelBroken, ChannelTimeout):
        LearnerEnd(sock).serve_forever()


if __name__ == "__main__":
    main()
