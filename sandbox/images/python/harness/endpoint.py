"""One side of the channel: the objects it lends, the requests it makes, and the other side's requests it serves.

A request {"id", "op", "args", "kwargs"} asks for one of crossing.OPERATIONS; the answer {"re", "ok",
"value" or "error", "back", "output"} carries the result by the rules of plain.py, and "back" the
new content of every list, dict and set of the request that the call changed. While a side waits
for its answer it serves the other side's requests, so callbacks may call back into the code
that called them, up to MAX_NESTING deep.
"""

import itertools
import socket
import threading

import plain
from crossing import OPERATIONS, Remote, is_builtin, plain_args
from wire import ChannelBroken, ChannelTimeout, Connection

MAX_NESTING = 40
"""Calls that may be under way at once across the boundary (a callback calling code that calls a callback…)."""

GONE_REASONS = ("timeout", "stopped", "garbage")
"""Why a channel is no longer used: no answer in time, the other side stopped, or it sent garbage."""


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
        self.reading = 0
        self.broken = ""
        self.lock = threading.RLock()  # re-entrant: a callback may ask the other side again

    # What a side decides for itself.

    def allows(self, operation: str, args: list, kwargs: dict) -> str:
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
        described = {"type": type(error).__name__[:100], "builtin": is_builtin(type(error)), "message": message}
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
        lent = self.lend(value, encoder, depth)  # first: what may not be lent must never enter the tables
        number = self.numbers.get(id(value))
        if number is None:
            number = next(self.counter)
            self.objects[number] = value
            self.numbers[id(value)] = number
            self.on_lent(number, value)
        return {"$ref": number, "of": self.side, **lent}

    def on_lent(self, number: int, value) -> None:
        """Note a new loan (the tests' side keeps what kind of use it allows)."""

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
        self.reading += 1  # reading an answer may ask the other side (a key's hash), never serve it meanwhile
        try:
            for number, state in _changes(answer.get("back"), len(encoder.mutables)):
                plain.refill(encoder.mutables[number], decoder.decode(state))
            value = decoder.decode(answer.get("value")) if answer.get("ok") is True else None
        except (plain.NotPlain, RecursionError) as error:
            self.broken = "garbage"
            raise self.gone("garbage", f"{what} ({error})") from None
        finally:
            self.reading -= 1
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
            self.connection.send({"id": number, **message}, self.deadline)
        except ValueError:
            raise ValueError(f"{what}: the values passed are too large to send across") from None
        except (ChannelBroken, ChannelTimeout) as error:
            raise self._lost(error, what) from None
        while True:
            incoming = self._receive(what)
            if type(incoming) is dict and incoming.get("re") == number:
                return incoming
            if type(incoming) is dict and type(incoming.get("id")) is int and "re" not in incoming:
                try:
                    self._serve_nested(incoming)
                except (ChannelBroken, ChannelTimeout) as error:
                    raise self._lost(error, what) from None
                continue
            self.broken = "garbage"
            raise self.gone("garbage", what)

    def _receive(self, what: str):
        try:
            return self.connection.receive(self.deadline)
        except (ChannelBroken, ChannelTimeout) as error:
            raise self._lost(error, what) from None

    def _lost(self, error: Exception, what: str) -> BaseException:
        """Mark the channel unusable after a send or receive failed, and make the exception to raise."""
        self.broken = "timeout" if isinstance(error, ChannelTimeout) else "stopped"
        return self.gone(self.broken, what)

    # Answering.

    def _serve_nested(self, request: dict) -> None:
        if self.reading or self.depth >= MAX_NESTING:
            refused = (
                RuntimeError("the other side is reading an answer and takes no requests meanwhile")
                if self.reading
                else RecursionError(f"calls between your code and the tests went more than {MAX_NESTING} deep")
            )
            self._answer({"re": request["id"], "ok": False, "error": self.describe(refused), "back": []})
            return
        self.depth += 1
        try:
            self._answer(self.serve(request))
        finally:
            self.depth -= 1

    def _answer(self, answer: dict) -> None:
        try:
            self.connection.send(answer, self.deadline)
        except ValueError:
            error = MemoryError("the value is too large to send across")
            self.connection.send(
                {"re": answer["re"], "ok": False, "error": self.describe(error), "back": []}, self.deadline
            )

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
            refusal = self.allows(operation, args, kwargs)
            if refusal:
                raise plain.NotPlain(refusal)
        except Exception as error:  # garbage from the other side (or a hash asked of it while decoding)
            message = str(error) if isinstance(error, plain.NotPlain) else f"a request that cannot be read ({error})"
            return {"re": number, "ok": False, "error": self.describe(TypeError(message)), "back": []}
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
            except Exception as not_plain:  # NotPlain, or a value whose own methods fail while it is read
                error = TypeError(f"{operation} gave {not_plain}, which cannot be sent across")
        return {**answer, "ok": False, "error": self.describe(error)}

    def _states(self, containers, known):
        if not containers:
            return []
        try:
            encoder = plain.Encoder(export=self.export, known=known)
            return [encoder.state(container) for container in containers]
        except Exception:  # content that cannot be sent: it is not sent back either
            return [None] * len(containers)


def _changes(back, count: int):
    if type(back) is not list:
        raise plain.NotPlain("malformed changes")
    for change in back:
        if type(change) is not list or len(change) != 2 or type(change[0]) is not int or not 0 <= change[0] < count:
            raise plain.NotPlain("malformed changes")
        yield change


def _short(text) -> str:
    return text[:100] if type(text) is str else "?"
