"""The tests' side of the boundary: modules whose functions run in the learner's process.

A test writes `from hello import greet` as usual; `greet` here is a stub that sends the
arguments to the learner's process and returns the plain value that comes back, or raises
the exception the learner's code raised. Nothing the learner's code does can reach this process.
"""

import builtins
import contextlib
import itertools
import os
import sys
import time
import types

import plain
import wire


class LearnerError(Exception):
    """An exception of the learner's own kind, or one that cannot be rebuilt here."""


class LearnerTimeout(AssertionError):
    """The learner's code did not answer within the time left."""


class LearnerGone(AssertionError):
    """The learner's process has stopped, so no more calls can be made."""


class Channel:
    """Requests to the learner's process, one at a time, all within one deadline."""

    def __init__(self, sock, deadline: float):
        self.sock, self.deadline, self.ids = sock, deadline, itertools.count(1)
        self.broken = ""
        self.timed_out = False
        self.died = False

    def ready(self):
        """Wait for the learner's modules to load; return the load report."""
        return self._receive(0, "loading your code")

    def request(self, message: dict, what: str) -> dict:
        if self.broken:
            raise LearnerGone(f"{what} could not run: {self.broken}")
        request_id = next(self.ids)
        try:
            wire.send(self.sock, {"id": request_id, **message})
        except wire.ChannelBroken:
            self._break("your program stopped earlier", died=True)
            raise LearnerGone(f"{what} could not run: your program had stopped") from None
        return self._receive(request_id, what)

    def _receive(self, request_id: int, what: str) -> dict:
        try:
            answer = wire.receive(self.sock, self.deadline)
        except wire.ChannelTimeout:
            self.timed_out = True
            self._break("an earlier call never finished")
            raise LearnerTimeout(f"{what} did not finish in time. Is there a loop that never ends?") from None
        except wire.ChannelBroken:
            self._break("your program stopped", died=True)
            raise LearnerGone(f"your program stopped during {what} (did it call os._exit or kill itself?)") from None
        if type(answer) is not dict or answer.get("id") != request_id:
            self._break("your program broke the connection to the tests")
            raise LearnerGone(f"{what}: your program broke the connection to the tests")
        return answer

    def _break(self, reason: str, died: bool = False):
        self.broken = reason
        self.died = self.died or died


def remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


class LearnerFunction:
    """Calls one function of the learner's module in the learner's process."""

    def __init__(self, channel: Channel, module: str, name: str):
        self._channel, self._module, self.__name__ = channel, module, name
        self.__qualname__ = name

    def __repr__(self):
        return f"<learner function {self._module}.{self.__name__}>"

    def __call__(self, *args, **kwargs):
        try:
            encoded_args = plain.encode(list(args))
            encoded_kwargs = plain.encode(dict(kwargs))
        except plain.NotPlain as error:
            raise TypeError(f"this test passes {error}; such tests need in-process isolation") from None
        answer = self._channel.request(
            {
                "op": "call",
                "module": self._module,
                "name": self.__name__,
                "args": encoded_args,
                "kwargs": encoded_kwargs,
                "stdin": _stdin.text,
            },
            f"{self.__name__}()",
        )
        return _result(answer)


class LearnerModule(types.ModuleType):
    """A module whose attributes live in the learner's process."""

    def __init__(self, name: str, channel: Channel):
        super().__init__(name)
        self.__dict__["_channel"] = channel

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        answer = self._channel.request({"op": "get", "module": self.__name__, "name": name}, f"{self.__name__}.{name}")
        if answer.get("ok") is False:
            raise _rebuilt(answer.get("error"))  # such as a program that asks for input when it starts
        kind = answer.get("kind")
        if kind == "function":
            return LearnerFunction(self._channel, self.__name__, name)
        if kind == "value":
            return _decoded(answer.get("value"))
        if kind == "unsupported":
            raise TypeError(f"{self.__name__}.{name} is a {answer.get('type')}, which the tests cannot check")
        raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")


class _Stdin:
    text = ""


_stdin = _Stdin()


def _result(answer: dict):
    output = answer.get("output")
    if isinstance(output, str) and output:
        sys.stdout.write(output)  # so pytest's capture and capsys see what the learner printed
    if answer.get("ok") is True:
        return _decoded(answer.get("value"))
    raise _rebuilt(answer.get("error"))


def _decoded(value):
    try:
        return plain.decode(value)
    except plain.NotPlain as error:
        raise LearnerGone(f"your program sent something that is not a value ({error})") from None


def _rebuilt(error) -> BaseException:
    """The learner's exception as one of Python's own kinds when it is one, else a LearnerError."""
    if type(error) is not dict:
        return LearnerGone("your program sent a broken answer")
    kind, message, where = str(error.get("type")), str(error.get("message")), str(error.get("where") or "")
    builtin = getattr(builtins, kind, None)
    if builtin in (StopIteration, StopAsyncIteration):
        builtin = RuntimeError  # as PEP 479 does: a StopIteration must not quietly end the test's loop
    rebuilt = None
    if error.get("builtin") is True and isinstance(builtin, type) and issubclass(builtin, Exception):
        # Some built-in exceptions take other arguments; those become a LearnerError below.
        with contextlib.suppress(Exception):
            rebuilt = builtin(message)  # the message exactly, so tests may compare it
    if rebuilt is None:
        rebuilt = LearnerError(f"{kind}: {message}")
    if where:
        rebuilt.add_note(f"(raised in {where})")
    return rebuilt


def run_program(module: str, stdin: str = "") -> str:
    """Run a learner's module as a program with the given input; return what it printed."""
    channel = sys.modules[module]._channel
    answer = channel.request({"op": "run", "module": module, "stdin": stdin}, f"running {module}.py")
    _result(answer)
    output = answer.get("output")
    return output if isinstance(output, str) else ""


class given_input:
    """Within this block, the learner's input() reads these lines."""

    def __init__(self, text: str):
        self.text = text

    def __enter__(self):
        self.saved, _stdin.text = _stdin.text, self.text

    def __exit__(self, *exc):
        _stdin.text = self.saved


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


def install(channel: Channel, names: list[str]) -> None:
    """Make the learner's modules and the `grading` helpers importable by the tests."""
    for name in names:
        if name not in sys.modules:  # never replace a module the tests or pytest already use
            sys.modules[name] = LearnerModule(name, channel)
    helpers = types.ModuleType("grading")
    helpers.run_program = run_program
    helpers.given_input = given_input
    helpers.shared_file = shared_file
    helpers.LearnerError = LearnerError
    sys.modules["grading"] = helpers
