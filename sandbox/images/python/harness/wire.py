"""Length-prefixed JSON messages over a Unix socket between the test process and the learner's process."""

import socket
import struct
import time

import plain

MAX_MESSAGE_BYTES = 8_000_000
"""Largest message either side accepts; a bigger one breaks the channel."""

_HEADER = struct.Struct(">I")


class ChannelBroken(Exception):
    """The other side closed the socket, sent garbage, or sent too much."""


class ChannelTimeout(Exception):
    """The other side did not answer in time."""


def send(sock: socket.socket, message) -> None:
    """Send one message."""
    body = plain.dumps(message)
    try:
        sock.sendall(_HEADER.pack(len(body)) + body)
    except OSError as error:
        raise ChannelBroken(str(error)) from None


def receive(sock: socket.socket, deadline: float | None = None):
    """Receive one message, waiting at most until the monotonic deadline."""
    (size,) = _HEADER.unpack(_read(sock, _HEADER.size, deadline))
    if size > MAX_MESSAGE_BYTES:
        raise ChannelBroken("message too large")
    try:
        return plain.loads(_read(sock, size, deadline))
    except plain.NotPlain as error:
        raise ChannelBroken(str(error)) from None


def _read(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout()
            sock.settimeout(left)
        try:
            chunk = sock.recv(min(remaining, 1 << 20))
        except TimeoutError:
            raise ChannelTimeout() from None
        except OSError as error:
            raise ChannelBroken(str(error)) from None
        if not chunk:
            raise ChannelBroken("closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
