"""A TCP forwarder that a test can cut: a database outage without touching the database.

It listens on a free loopback port and forwards every connection to the target
(PostgreSQL at 127.0.0.1:5432 by default), on an event loop of its own in a
thread, so that tests making blocking HTTP calls can cut and restore it at will.
:meth:`Forwarder.cut` resets every forwarded connection and closes the listening
socket (new connections are refused, as by a server that is down);
:meth:`Forwarder.restore` listens on the same port again. :meth:`Forwarder.freeze`
is a cable cut instead: the connections open pass nothing more, and none ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Forwarder:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self.port = _free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._frozen: set[asyncio.StreamWriter] = set()
        self.accepted = 0  # connections taken since the start
        self.upstream_reads = 0  # chunks the clients sent: about one per round trip

    def start(self) -> Forwarder:
        self._thread.start()
        self.restore()
        return self

    def cut(self) -> None:
        """Reset every connection and refuse new ones until :meth:`restore`."""
        self._run(self._cut())

    def restore(self) -> None:
        self._run(self._listen())

    def freeze(self) -> None:
        """The connections open now pass nothing more, with no error and no end of
        stream (a cable cut); new connections work."""
        self._run(self._freeze())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def open_connections(self) -> int:
        return self._run(self._count())

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _count(self) -> int:
        return len(self._open) // 2  # each forwarded connection holds two writers

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._forward, "127.0.0.1", self.port, reuse_address=True
            )

    async def _freeze(self) -> None:
        self._frozen |= self._open

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()  # a reset, as when a network path or a server dies
        self._open.clear()
        self._frozen.clear()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer, upstream=True),
            self._pipe(up_reader, writer),
            return_exceptions=True,
        )
        for end in (writer, up_writer):
            self._open.discard(end)
            end.transport.abort()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: bool = False
    ) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                if writer in self._frozen:
                    continue  # dropped on the floor: the peer hears nothing, nor an end
                self.upstream_reads += upstream
                writer.write(data)
                await writer.drain()
        if writer not in self._frozen:
            writer.transport.abort()


@contextmanager
def forwarding(target_port: int = 5432) -> Iterator[Forwarder]:
    forwarder = Forwarder(target_port=target_port).start()
    try:
        yield forwarder
    finally:
        forwarder.close()
