"""The channel between the tests' process and the learner's process: whole JSON messages, each framed by its length."""

import select
import socket
import struct
import time

import plain

MAX_MESSAGE_BYTES = 8_000_000
"""Largest message either side accepts; a bigger one breaks the channel."""

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
        self.sock = sock
        self.buffer = bytearray()
        self.chunk = bytearray(READ_BYTES)  # read into one buffer, kept: no allocation per read
        self.chunk_view = memoryview(self.chunk)

    def send(self, message, deadline: float | None = None) -> None:
        """Send one message by the deadline; one too large to receive is refused with ValueError, nothing sent."""
        body = plain.dumps(message)
        if len(body) > MAX_MESSAGE_BYTES:
            raise ValueError("message too large")
        try:
            # A side that stops reading fills the socket; the deadline bounds the wait for room too.
            self.sock.settimeout(None if deadline is None else max(0.001, deadline - time.monotonic()))
            self.sock.sendall(_HEADER.pack(len(body)) + body)
        except TimeoutError:
            raise ChannelTimeout() from None
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
