"""The channel between the tests' process and the learner's process: framed JSON messages, and the calls they carry.

Either side may ask the other to do something with an object the other side owns (call it, read an
attribute, compare it, iterate it…): a request {"id", "op", "args", "kwargs"} names one of OPERATIONS,
whose first argument is the object. The answer {"re", "ok", "value" or "error", "back", "output"}
carries the result by the rules of plain.py, and "back" the new content of every list, dict and set
of the request that the call changed. While a side waits for its answer it serves the other side's
requests, so callbacks may call back into the code that called them, up to MAX_NESTING deep.
"""

import itertools
import operator
import select
import socket
import struct
import threading
import time

import plain

MAX_MESSAGE_BYTES = 8_000_000
"""Largest message either side accepts; a bigger one breaks the channel."""

MAX_NESTING = 40
"""Calls that may be under way at once across the boundary (a callback calling code that calls a callback…)."""

READ_BYTES = 65_536
"""Bytes asked of the socket at once."""

_HEADER = struct.Struct(">I")


class ChannelBroken(Exception):
    """The other side closed the socket, sent garbage, or sent too much."""


class ChannelTimeout(Exception):
    """The other side did not answer in time."""


class Connection:
    """One end of the socket: whole messages out and in, reading ahead so a message costs one read."""

    def __init__(self, sock: socket.socket):
        sock.setblocking(True)  # waiting is bounded by select() in _fill, so sends never poll first
        self.sock = sock
        self.buffer = bytearray()
        self.chunk = bytearray(READ_BYTES)  # read into one buffer, kept: no allocation per read
        self.chunk_view = memoryview(self.chunk)

    def send(self, message) -> None:
        """Send one message; a message too large to receive is refused with ValueError before anything is sent."""
        body = plain.dumps(message)
        if len(body) > MAX_MESSAGE_BYTES:
            raise ValueError("message too large")
        try:
            self.sock.sendall(_HEADER.pack(len(body)) + body)
        except OSError as error:
            raise ChannelBroken(str(error)) from None

    def receive(self, deadline: float | None = None):
        """Receive one message, waiting at most until the monotonic deadline."""
        while True:
            if len(self.buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(self.buffer)
                if size > MAX_MESSAGE_BYTES:
                    raise ChannelBroken("message too large")
                end = _HEADER.size + size
                if len(self.buffer) >= end:
                    body = bytes(self.buffer[_HEADER.size : end])
                    del self.buffer[:end]
                    try:
                        return plain.loads(body)
                    except plain.NotPlain as error:
                        raise ChannelBroken(str(error)) from None
            self._fill(deadline)

    def _fill(self, deadline: float | None) -> None:
        try:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                    raise ChannelTimeout()
            count = self.sock.recv_into(self.chunk)
        except (OSError, ValueError) as error:
            raise ChannelBroken(str(error)) from None
        if not count:
            raise ChannelBroken("closed")
        self.buffer += self.chunk_view[:count]


def _call(function, /, *args, **kwargs):
    return function(*args, **kwargs)


def _exact_text(make):
    # A __str__ may return a subclass of str with a forged __eq__; str.__str__ copies it into a true str.
    return lambda value, *args: str.__str__(make(value, *args))


BINARY = (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
    "and_", "or_", "xor", "lshift", "rshift", "lt", "le", "gt", "ge", "eq", "ne",
)  # fmt: skip
"""Operators of two values, by their name in the operator module."""

IN_PLACE = tuple(f"i{name.rstrip('_')}" for name in BINARY[:13])
"""Their in-place forms (+= and the like), which may change the left value."""

UNARY = ("neg", "pos", "invert")
"""Operators of one value."""

OPERATIONS = {
    "call": _call,
    "getattr": getattr,
    "setattr": setattr,
    "delattr": delattr,
    "len": len,
    "iter": iter,
    "next": next,
    "reversed": reversed,
    "bool": bool,
    "str": _exact_text(str),
    "repr": _exact_text(repr),
    "format": _exact_text(format),
    "hash": hash,
    "int": int,
    "float": float,
    "index": operator.index,
    "round": round,
    "abs": abs,
    "divmod": divmod,
    "contains": operator.contains,
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "isinstance": isinstance,
    "issubclass": issubclass,
    "enter": lambda value: type(value).__enter__(value),
    "exit": lambda value, *details: type(value).__exit__(value, *details),
    **{name: getattr(operator, name) for name in (*BINARY, *IN_PLACE, *UNARY)},
}
"""What one side may ask the other to do; the first argument is always the object asked about."""

CHANGING = frozenset({"setattr", "delattr", "setitem", "delitem", *IN_PLACE})
"""Operations that change the object they are asked about."""

GONE_REASONS = ("timeout", "stopped", "garbage")
"""Why a channel is no longer used: no answer in time, the other side stopped, or it sent garbage."""


class Remote:
    """An object of the other process: using it sends a request and gives back the answer's value."""

    __slots__ = ("__weakref__", "_r_end", "_r_kind", "_r_ref", "_r_type")

    def __init__(self, end, ref: int, type_name: str, kind: str):
        object.__setattr__(self, "_r_end", end)
        object.__setattr__(self, "_r_ref", ref)
        object.__setattr__(self, "_r_type", type_name)
        object.__setattr__(self, "_r_kind", kind)

    def _r(self, operation, *args, **kwargs):
        return self._r_end.perform(operation, *args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in ("__name__", "__qualname__", "__doc__"):
            raise AttributeError(name)
        return self._r("getattr", self, name)

    def __setattr__(self, name, value):
        self._r("setattr", self, name, value)

    def __delattr__(self, name):
        self._r("delattr", self, name)

    def __call__(self, *args, **kwargs):
        return self._r("call", self, *args, **kwargs)

    def __repr__(self):
        return self._r("repr", self)

    def __str__(self):
        return self._r("str", self)

    def __format__(self, spec):
        return self._r("format", self, spec)

    def __bool__(self):
        return self._r("bool", self)

    def __eq__(self, other):
        return self._r("eq", self, other)

    def __ne__(self, other):
        return self._r("ne", self, other)

    def __hash__(self):
        return self._r("hash", self)

    def __len__(self):
        return self._r("len", self)

    def __iter__(self):
        return self._r("iter", self)

    def __next__(self):
        return self._r("next", self)

    def __reversed__(self):
        return self._r("reversed", self)

    def __contains__(self, item):
        return self._r("contains", self, item)

    def __getitem__(self, key):
        return self._r("getitem", self, key)

    def __setitem__(self, key, value):
        self._r("setitem", self, key, value)

    def __delitem__(self, key):
        self._r("delitem", self, key)

    def __enter__(self):
        return self._r("enter", self)

    def __exit__(self, kind, error, trace):
        return self._r("exit", self, kind, error, None)

    def __instancecheck__(self, instance):
        return self._r("isinstance", instance, self)

    def __subclasscheck__(self, subclass):
        return self._r("issubclass", subclass, self)

    def __int__(self):
        return self._r("int", self)

    def __float__(self):
        return self._r("float", self)

    def __index__(self):
        return self._r("index", self)

    def __round__(self, digits=None):
        return self._r("round", self) if digits is None else self._r("round", self, digits)

    def __abs__(self):
        return self._r("abs", self)

    def __divmod__(self, other):
        return self._r("divmod", self, other)

    def __rdivmod__(self, other):
        return self._r("divmod", other, self)


def _forward(name, reflected=False):
    if reflected:
        return lambda self, other: self._r(name, other, self)
    return lambda self, *others: self._r(name, self, *others)


for _name in (*BINARY, *IN_PLACE, *UNARY):
    _dunder = f"__{_name.rstrip('_')}__"
    if _dunder not in Remote.__dict__:  # __eq__ and __ne__ are written out above
        setattr(Remote, _dunder, _forward(_name))
for _name in BINARY[:13]:
    setattr(Remote, f"__r{_name.rstrip('_')}__", _forward(_name, reflected=True))


class Endpoint:
    """One side of the channel: the objects it lends to the other side, and the requests both ways."""

    side = "?"
    """"T" for the tests' process, "L" for the learner's: the owner named in each reference."""

    deadline: float | None = None
    """Monotonic time after which waiting for an answer gives up (the tests' side only)."""

    def __init__(self, sock: socket.socket):
        self.connection = Connection(sock)
        self.objects = {}
        """Reference number → an object of this side that the other side may use."""
        self.numbers = {}
        """id() of such an object → its reference number."""
        self.proxies = {}
        """Reference number → the proxy of an object of the other side."""
        self.counter = itertools.count(1)
        self.request_ids = itertools.count(1)
        self.depth = 0
        self.broken = ""
        self.lock = threading.RLock()  # re-entrant: a callback may ask the other side again

    # What a side decides for itself.

    def allows(self, operation: str, args: list) -> str:
        """Why the other side may not ask for this operation, or an empty string if it may."""
        return ""

    def lend(self, value, encoder, depth) -> dict:
        """The reference data of one of this side's objects (the number added by export)."""
        return {"type": type(value).__name__[:100], "kind": "object"}

    def proxy(self, number: int, data: dict, decoder, depth):
        """A proxy for an object of the other side."""
        return Remote(self, number, _short(data.get("type")), _short(data.get("kind")))

    def execute(self, function, args, kwargs, request) -> tuple:
        """Run one requested operation; return (result, exception, more fields of the answer)."""
        try:
            return function(*args, **kwargs), None, {}
        except BaseException as error:
            return None, error, {}

    def describe(self, error: BaseException) -> dict:
        """An exception of this side as plain data."""
        try:
            message = str(error)[:2000]
        except Exception:
            message = "(the error could not be shown)"
        described = {"type": type(error).__name__[:100], "builtin": _is_builtin(type(error)), "message": message}
        return {**described, **plain_args(error)}

    def rebuild(self, error, operation: str) -> BaseException:
        """The other side's exception, rebuilt here."""
        raise NotImplementedError

    def received(self, answer: dict) -> None:
        """Do what the answer asks besides giving a value (the tests' side shows the learner's output)."""

    def gone(self, reason: str, what: str) -> BaseException:
        """The exception raised when the channel cannot be used: reason is one of GONE_REASONS."""
        return ChannelBroken(f"{what}: {reason}")

    def name_of(self, operation: str, args: tuple) -> str:
        """How a request is named in messages."""
        return operation

    # References.

    def export(self, value, encoder, depth) -> dict:
        """Lend an object to the other side: keep it here and send its reference."""
        if isinstance(value, Remote) and value._r_end is self:
            return {"$ref": value._r_ref, "of": "L" if self.side == "T" else "T"}  # theirs: back home
        number = self.numbers.get(id(value))
        if number is None:
            number = next(self.counter)
            self.objects[number] = value
            self.numbers[id(value)] = number
        return {"$ref": number, "of": self.side, **self.lend(value, encoder, depth)}

    def resolve(self, data: dict, decoder, depth):
        """The object a reference names: one of ours, or a proxy of one of theirs."""
        number, owner = data.get("$ref"), data.get("of")
        if type(number) is not int or number < 1:
            raise plain.NotPlain("malformed reference")
        if owner == self.side:
            if number not in self.objects:
                raise plain.NotPlain("a reference to something that is not (or no longer) lent")
            return self.objects[number]
        if owner not in ("T", "L"):
            raise plain.NotPlain("malformed reference")
        if number not in self.proxies:
            self.proxies[number] = self.proxy(number, data, decoder, depth)
        return self.proxies[number]

    def forget(self) -> None:
        """Take back every object lent: later references to them are refused."""
        self.objects.clear()
        self.numbers.clear()

    # Asking.

    def perform(self, operation: str, *args, **kwargs):
        """Ask the other side to do operation with args[0], one of its objects; return the result."""
        # One exchange at a time: threads of a test (or of the learner's code) take turns on the channel.
        with self.lock:
            return self._perform(operation, args, kwargs)

    def _perform(self, operation: str, args: tuple, kwargs: dict):
        what = self.name_of(operation, args)
        encoder = plain.Encoder(export=self.export)
        message = {
            "op": operation,
            "args": [encoder.encode(arg) for arg in args],
            "kwargs": {str(key): encoder.encode(value) for key, value in kwargs.items()},
            **self.request_extras(),
        }
        answer = self.request(message, what)
        decoder = plain.Decoder(resolve=self.resolve, originals=encoder.mutables)
        try:
            for number, state in _changes(answer.get("back"), len(encoder.mutables)):
                plain.refill(encoder.mutables[number], decoder.decode(state))
            value = decoder.decode(answer.get("value")) if answer.get("ok") is True else None
        except (plain.NotPlain, RecursionError) as error:
            self.broken = "garbage"
            raise self.gone("garbage", f"{what} ({error})") from None
        self.received(answer)
        if answer.get("ok") is True:
            return value
        raise self.rebuild(answer.get("error"), operation)

    def request_extras(self) -> dict:
        """More fields of each request (the tests' side sends the input the learner's code reads)."""
        return {}

    def request(self, message: dict, what: str) -> dict:
        """Send a request and wait for its answer, serving the other side's requests meanwhile."""
        if self.broken:
            raise self.gone(self.broken, what)
        number = next(self.request_ids)
        try:
            self.connection.send({"id": number, **message})
        except ValueError:
            raise ValueError(f"{what}: the values passed are too large to send across") from None
        except ChannelBroken:
            self.broken = "stopped"
            raise self.gone("stopped", what) from None
        while True:
            incoming = self._receive(what)
            if type(incoming) is dict and incoming.get("re") == number:
                return incoming
            if type(incoming) is dict and type(incoming.get("id")) is int and "re" not in incoming:
                self._serve_nested(incoming)
                continue
            self.broken = "garbage"
            raise self.gone("garbage", what)

    def _receive(self, what: str):
        try:
            return self.connection.receive(self.deadline)
        except ChannelTimeout:
            self.broken = "timeout"
            raise self.gone("timeout", what) from None
        except ChannelBroken:
            self.broken = "stopped"
            raise self.gone("stopped", what) from None

    # Answering.

    def _serve_nested(self, request: dict) -> None:
        if self.depth >= MAX_NESTING:
            error = RecursionError(f"calls between your code and the tests went more than {MAX_NESTING} deep")
            self._answer({"re": request["id"], "ok": False, "error": self.describe(error), "back": []})
            return
        self.depth += 1
        try:
            self._answer(self.serve(request))
        finally:
            self.depth -= 1

    def _answer(self, answer: dict) -> None:
        try:
            self.connection.send(answer)
        except ValueError:
            error = MemoryError("the value is too large to send across")
            self.connection.send({"re": answer["re"], "ok": False, "error": self.describe(error), "back": []})

    def serve(self, request: dict) -> dict:
        """Carry out one request of the other side and make its answer."""
        number = request["id"]
        decoder = plain.Decoder(resolve=self.resolve)
        try:
            operation = request.get("op")
            function = OPERATIONS.get(operation) if type(operation) is str else None
            raw_args, raw_kwargs = request.get("args"), request.get("kwargs")
            if function is None or type(raw_args) is not list or not raw_args or type(raw_kwargs) is not dict:
                raise plain.NotPlain("a malformed request")
            args = [decoder.decode(item) for item in raw_args]
            kwargs = {str(key): decoder.decode(value) for key, value in raw_kwargs.items()}
            refusal = self.allows(operation, args)
            if refusal:
                raise plain.NotPlain(refusal)
        except (plain.NotPlain, RecursionError) as error:
            return {"re": number, "ok": False, "error": self.describe(TypeError(str(error))), "back": []}
        known = {id(container): index for index, container in enumerate(decoder.mutables)}
        before = self._states(decoder.mutables, known)
        result, error, extras = self.execute(function, args, kwargs, request)
        encoder = plain.Encoder(export=self.export, known=known)
        after = self._states(decoder.mutables, known)
        back = [[index, state] for index, (state, old) in enumerate(zip(after, before, strict=True)) if state != old]
        answer = {"re": number, "back": back, **extras}
        if error is None:
            try:
                return {**answer, "ok": True, "value": encoder.encode(result)}
            except (plain.NotPlain, RecursionError) as not_plain:
                error = TypeError(f"{operation} gave {not_plain}, which cannot be sent across")
        return {**answer, "ok": False, "error": self.describe(error)}

    def _states(self, containers, known):
        if not containers:
            return []
        try:
            encoder = plain.Encoder(export=self.export, known=known)
            return [encoder.state(container) for container in containers]
        except (plain.NotPlain, RecursionError):
            return [None] * len(containers)


def plain_args(error: BaseException) -> dict:
    """{"args": …} when the exception's arguments are plain values (so it can be rebuilt exactly), else {}."""
    try:
        return {"args": plain.encode(error.args)}
    except (plain.NotPlain, RecursionError):
        return {}


def rebuilt_args(error: dict, message: str) -> tuple:
    """The arguments to rebuild an exception with: its own when they came, else its message."""
    try:
        args = plain.decode(error["args"]) if "args" in error else (message,)
    except (plain.NotPlain, RecursionError):
        args = (message,)
    return args if type(args) is tuple else (message,)


def _changes(back, count: int):
    if type(back) is not list:
        raise plain.NotPlain("malformed changes")
    for change in back:
        if type(change) is not list or len(change) != 2 or type(change[0]) is not int or not 0 <= change[0] < count:
            raise plain.NotPlain("malformed changes")
        yield change


def _short(text) -> str:
    return text[:100] if type(text) is str else "?"


def _is_builtin(kind: type) -> bool:
    import builtins

    return getattr(builtins, kind.__name__, None) is kind
