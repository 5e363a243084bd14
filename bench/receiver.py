"""A minimal, fast HTTP/1.1 webhook receiver for benchmarks (asyncio, keep-alive).

It answers every POST with 200 "ok" and counts them; ``GET /count`` returns the
count and the number of distinct X-Grouplink-Event-Id values seen. Run:
``python -m bench.receiver PORT``.
"""

from __future__ import annotations

import asyncio
import sys

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Counter:
    posts = 0
    event_ids: set[bytes] = set()


class Receiver(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            event_id = b""
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"x-grouplink-event-id":
                    event_id = value.strip()
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            if head.startswith(b"GET /count"):
                body = f"{Counter.posts} {len(Counter.event_ids)}".encode()
                self.transport.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                )
            elif head.startswith(b"GET /reset"):
                Counter.posts = 0
                Counter.event_ids.clear()
                self.transport.write(OK)
            elif head.startswith(b"GET"):  # the hub.challenge handshake
                query = head.split(b" ")[1].partition(b"?")[2]
                params = dict(p.partition(b"=")[::2] for p in query.split(b"&"))
                challenge = params.get(b"hub.challenge", b"")
                self.transport.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(challenge), challenge)
                )
            else:
                Counter.posts += 1
                if event_id:
                    Counter.event_ids.add(event_id)
                self.transport.write(OK)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Receiver, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
