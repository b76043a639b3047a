"""The learner's process: import the learner's modules and answer the tests' calls with plain values.

It runs as its own unprivileged user, so it cannot read the tests, signal the test process or
write the report. Everything it sends back is checked again on the other side.
Usage: learner_server.py SOCKET_FD LEARNER_DIR MODULE...
"""

import builtins
import contextlib
import importlib
import io
import os
import runpy
import socket
import sys
import traceback

sys.path.insert(0, "/opt/harness")

import plain
import wire

OUTPUT_LIMIT = 100_000
"""Characters of printed output kept per call; the rest is counted and dropped."""


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


class Server:
    """Answers get, call and run requests about the learner's modules."""

    def __init__(self, sock, learner_dir, names):
        self.sock, self.learner_dir, self.names, self.modules = sock, learner_dir, names, {}

    def load(self):
        """Import every learner module, capturing what it prints; describe the first failure."""
        output = CappedOutput()
        for name in self.names:
            error = self.captured(output, "", lambda name=name: self.modules.__setitem__(name, _import(name)))
            if isinstance(error, EOFError):
                # It asked for input while loading: a program, which tests run with run_program.
                sys.modules.pop(name, None)
                continue
            if error is not None:
                return {"load_error": self.describe(error, f"while loading {name}.py"), "output": output.text()}
        return {"load_error": None, "output": output.text()}

    def serve(self):
        wire.send(self.sock, {"id": 0, **self.load()})
        while True:
            request = wire.receive(self.sock)
            if type(request) is not dict or type(request.get("id")) is not int:
                return
            wire.send(self.sock, {"id": request["id"], **self.answer(request)})

    def answer(self, request):
        name, op = request.get("module"), request.get("op")
        if name not in self.names:
            return {"ok": False, "error": _error("ModuleNotFoundError", f"no module named {name!r}", "")}
        if op == "run":
            return self.run(os.path.join(self.learner_dir, f"{name}.py"), request)
        module = self.modules.get(name)
        if module is None:
            message = f"{name}.py asks for input when it starts, so the tests can only run it as a program"
            return {"ok": False, "error": _error("RuntimeError", message, "")}
        if op == "get":
            return self.get(module, str(request.get("name")))
        if op == "call":
            return self.call(module, request)
        return {"ok": False, "error": _error("RuntimeError", "unknown request", "")}

    def get(self, module, name):
        if not hasattr(module, name):
            return {"ok": True, "kind": "missing"}
        value = getattr(module, name)
        if callable(value):
            return {"ok": True, "kind": "function"}
        try:
            return {"ok": True, "kind": "value", "value": plain.encode(value)}
        except plain.NotPlain:
            return {"ok": True, "kind": "unsupported", "type": type(value).__name__}

    def call(self, module, request):
        name = str(request.get("name"))
        try:
            function = getattr(module, name)
            args = plain.decode(request.get("args", []))
            kwargs = plain.decode(request.get("kwargs", {"$dict": []}))
        except (AttributeError, plain.NotPlain) as error:
            return {"ok": False, "error": {"type": "TypeError", "builtin": True, "message": str(error)}}
        output, result = CappedOutput(), []
        error = self.captured(output, request.get("stdin"), lambda: result.append(function(*args, **kwargs)))
        if error is None:
            try:
                return {"ok": True, "value": plain.encode(result[0]), "output": output.text()}
            except plain.NotPlain as not_plain:
                message = f"{name}() returned {not_plain}, which the tests cannot check"
                return {"ok": False, "error": _error("TypeError", message, ""), "output": output.text()}
        return {"ok": False, "error": self.describe(error, f"in {name}()"), "output": output.text()}

    def run(self, path, request):
        output = CappedOutput()
        error = self.captured(output, request.get("stdin"), lambda: runpy.run_path(path, run_name="__main__"))
        if error is None or (isinstance(error, SystemExit) and error.code in (None, 0)):
            return {"ok": True, "value": None, "output": output.text()}
        return {"ok": False, "error": self.describe(error, "while running"), "output": output.text()}

    @staticmethod
    def captured(output, stdin, action):
        """Run action with stdout and stderr captured and stdin given; return what it raised."""
        saved = sys.stdin, sys.stdout, sys.stderr
        sys.stdin = io.StringIO(stdin if isinstance(stdin, str) else "")
        sys.stdout = sys.stderr = output
        try:
            action()
        except BaseException as error:
            return error
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
        return None

    def describe(self, error, context):
        """An exception as a plain description, with the line of the learner's code where it happened."""
        if isinstance(error, SystemExit):
            return _error("SystemExit", f"your code called exit() {context}", "")
        where = ""
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename.startswith(self.learner_dir):
                where = f"{os.path.relpath(frame.filename, self.learner_dir)}, line {frame.lineno}, in {frame.name}"
        try:
            message = str(error)
        except Exception:
            message = "(the error could not be shown)"
        kind = type(error)
        builtin = getattr(builtins, kind.__name__, None) is kind
        return _error(kind.__name__, message, where, builtin)


def _error(kind, message, where, builtin=True):
    return {"type": kind, "builtin": builtin, "message": message[:2000], "where": where}


def _import(name):
    return importlib.import_module(name)


def main():
    fd, learner_dir, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    sock = socket.socket(fileno=fd)
    sys.path.insert(0, learner_dir)
    with contextlib.suppress(wire.ChannelBroken, wire.ChannelTimeout):
        Server(sock, learner_dir, names).serve()


if __name__ == "__main__":
    main()
