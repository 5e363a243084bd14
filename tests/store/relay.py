"""A TCP relay between a client and PostgreSQL that a test can freeze: the bytes stop
flowing but no connection is closed, as when a network cable is cut."""

from __future__ import annotations

import asyncio
import contextlib


class Relay:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._pairs: list[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = []
        self._frozen: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def freeze(self) -> None:
        """The connections open now pass nothing more; new ones work."""
        for client, server in self._pairs:
            self._frozen.update((client, server))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for client, server in self._pairs:
            client.close()
            server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        self._pairs.append((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                if sink in self._frozen:
                    continue  # dropped on the floor: the peer hears nothing, nor an end
                sink.write(data)
                await sink.drain()
            if sink not in self._frozen:
                sink.close()  # the other side ended: so does this one
