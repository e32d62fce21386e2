"""The wire between the pool and a worker process: frames over a Unix socket pair.

A frame is one type byte, a 4-byte big-endian length and the payload. The worker's side
(:class:`BatchingSink`) holds back the small frames of an answer (its kind, a short last
chunk) until a full chunk or the end is there, so that a short answer crosses in one
``send`` and is read with one ``recv``. The pool's side (:class:`Wire`) reads into a buffer
and cuts the frames out of it, waiting either blocking, with a time limit (a thread), or
in the asyncio event loop (:meth:`Wire.fill_async`), so that an ``async`` caller needs no thread
to wait for a short answer.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Callable

from graphkit.workers.jobs import CHUNK, FRAME_DATA, FRAME_KIND

# frames on the wire: one type byte, a 4-byte length, the payload
HEAD = struct.Struct(">cI")
_READ = 256 * 1024


def pack(kind: bytes, payload: bytes) -> bytes:
    return HEAD.pack(kind, len(payload)) + payload


class BatchingSink:
    """The worker's sending side: frames go out when a full chunk or the end is there.

    A ``DATA`` frame of ``CHUNK`` bytes (the serialiser's steady output) and every other
    frame than ``DATA``/``KIND`` (the end, an error, ready) flush what is held, so a
    streamed answer's chunks leave as soon as they are made and nothing waits on a reader.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._held: list[bytes] = []

    def send(self, kind: bytes, payload: bytes) -> None:
        self._held.append(pack(kind, payload))
        if kind == FRAME_KIND or (kind == FRAME_DATA and len(payload) < CHUNK):
            return
        frames, self._held = b"".join(self._held), []
        self._sock.sendall(frames)


class Wire:
    """The pool's end of one worker's socket, with a receive buffer (one read may carry
    several frames, and a frame may take several reads)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()
        self._start = 0  # where the unread part of the buffer begins

    def send(self, kind: bytes, payload: bytes, *, timeout: float | None) -> None:
        self.sock.settimeout(timeout)
        self.sock.sendall(pack(kind, payload))

    def receive(self, *, timeout: float | None) -> tuple[bytes, bytes]:
        """The next frame, waiting at most ``timeout`` seconds for each read.

        Raises ``TimeoutError`` when the time is up, ``EOFError`` when the worker has gone.
        """
        while True:
            frame = self._take()
            if frame is not None:
                return frame
            self.sock.settimeout(timeout)
            self._read()

    async def fill_async(self, ready: Callable[[list[tuple[bytes, int]]], bool], *,
                         deadline: float) -> None:
        """Wait in the asyncio event loop (no thread) until the complete frames in the
        buffer satisfy ``ready`` (given as ``(kind, payload length)``), at most until
        ``deadline`` (``time.monotonic()``); then :meth:`receive` returns them without
        blocking. Raises ``TimeoutError`` at the deadline, ``EOFError`` if the worker went.

        Plain ``add_reader`` and ``call_at`` rather than ``anyio.fail_after`` and
        ``wait_readable``: a cancel scope per request costs more than the rest of a
        short answer's hand-over.
        """
        self.sock.setblocking(False)
        loop: asyncio.AbstractEventLoop | None = None
        while not ready(self.buffered()):
            try:
                self._read()
                continue
            except BlockingIOError:
                pass
            if loop is None:
                loop = asyncio.get_running_loop()
            await _readable(loop, self.sock, deadline)

    def buffered(self) -> list[tuple[bytes, int]]:
        """The complete frames in the buffer, as ``(kind, payload length)``."""
        frames = []
        at, end = self._start, len(self._buffer)
        while end - at >= HEAD.size:
            kind, size = HEAD.unpack_from(self._buffer, at)
            if end - at - HEAD.size < size:
                break
            frames.append((kind, size))
            at += HEAD.size + size
        return frames

    def _read(self) -> None:
        part = self.sock.recv(_READ)
        if not part:
            raise EOFError("the other end closed the connection")
        if self._start == len(self._buffer):
            self._buffer.clear()
            self._start = 0
        self._buffer += part

    def _take(self) -> tuple[bytes, bytes] | None:
        at, end = self._start, len(self._buffer)
        if end - at < HEAD.size:
            return None
        kind, size = HEAD.unpack_from(self._buffer, at)
        if end - at - HEAD.size < size:
            return None
        payload = bytes(self._buffer[at + HEAD.size:at + HEAD.size + size])
        self._start = at + HEAD.size + size
        if self._start == end:
            self._buffer.clear()
            self._start = 0
        elif self._start > _READ:  # keep the buffer from growing without end
            del self._buffer[:self._start]
            self._start = 0
        return kind, payload


async def _readable(loop: asyncio.AbstractEventLoop, sock: socket.socket,
                    deadline: float) -> None:
    """Until ``sock`` is readable; ``TimeoutError`` at ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    waiter: asyncio.Future[bool] = loop.create_future()

    def settle(value: bool) -> None:
        if not waiter.done():
            waiter.set_result(value)

    loop.add_reader(sock.fileno(), settle, True)
    timer = loop.call_later(remaining, settle, False)
    try:
        if not await waiter:
            raise TimeoutError
    finally:
        timer.cancel()
        loop.remove_reader(sock.fileno())
