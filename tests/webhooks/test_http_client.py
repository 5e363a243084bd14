"""The webhook HTTP client against receivers that answer in every legal way."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from grouplink.webhooks.http_client import Client

Answerer = Callable[[int], bytes]  # request number -> raw bytes to answer with


async def serve(
    answer: Answerer, close_after: bool = False
) -> tuple[asyncio.Server, str, list[bytes]]:
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                seen.append(head + body)
                writer.write(answer(len(seen)))
                await writer.drain()
                if close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/hook", seen


def run(answer: Answerer, requests: int = 1, close_after: bool = False) -> tuple[list, list[bytes]]:  # type: ignore[type-arg]
    async def go() -> tuple[list, list[bytes]]:  # type: ignore[type-arg]
        server, url, seen = await serve(answer, close_after)
        async with server, Client(4) as client:
            answers = [
                await client.request(
                    "POST", url, body=b'{"a":1}', timeout_s=2, headers={"X-Test": "yes"}
                )
                for _ in range(requests)
            ]
        return answers, seen

    return asyncio.run(go())


def test_sends_one_well_formed_request_and_reads_a_sized_answer() -> None:
    [answer], [request] = run(lambda n: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert (answer.status, answer.head, answer.error) == (200, "ok", None)
    assert request.startswith(b"POST /hook HTTP/1.1\r\n")
    assert b"\r\nX-Test: yes\r\n" in request and b"\r\nContent-Length: 7\r\n" in request
    assert request.endswith(b'\r\n\r\n{"a":1}')


def test_keeps_the_connection_for_the_next_request() -> None:
    answers, seen = run(lambda n: b"HTTP/1.1 204 No Content\r\n\r\n", requests=3)
    assert [a.status for a in answers] == [204, 204, 204] and len(seen) == 3


def test_reads_chunked_answers_and_skips_interim_ones() -> None:
    chunked = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
    )
    answers, _ = run(lambda n: chunked, requests=2)
    assert [(a.status, a.head) for a in answers] == [(500, "hello world")] * 2


def test_an_answer_that_runs_to_the_end_of_the_connection() -> None:
    answers, seen = run(
        lambda n: b"HTTP/1.0 202 Accepted\r\n\r\nthanks", requests=2, close_after=True
    )
    assert [(a.status, a.head) for a in answers] == [(202, "thanks")] * 2
    assert len(seen) == 2


def test_a_receiver_that_closes_idle_connections_is_retried_on_a_new_one() -> None:
    # "Connection: keep-alive" but the server closes anyway after each answer.
    answers, seen = run(
        lambda n: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", requests=3, close_after=True
    )
    assert [a.status for a in answers] == [200, 200, 200] and len(seen) == 3


def test_a_long_answer_keeps_only_its_first_bytes() -> None:
    big = b"x" * 200_000
    [answer], _ = run(
        lambda n: b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(big), big)
    )
    assert answer.status == 200 and answer.head == "x" * 256


def test_garbage_refusal_and_silence_are_errors_not_exceptions() -> None:
    [garbage], _ = run(lambda n: b"SMTP ready\r\n\r\n")
    assert garbage.status is None and "not an HTTP" in (garbage.error or "")

    async def refused_and_silent() -> tuple:  # type: ignore[type-arg]
        silent = await asyncio.start_server(lambda r, w: asyncio.sleep(5), "127.0.0.1", 0)
        port = silent.sockets[0].getsockname()[1]
        async with silent, Client(2) as client:
            timeout = await client.request("POST", f"http://127.0.0.1:{port}/", timeout_s=0.3)
            refused = await client.request("POST", "http://127.0.0.1:1/", timeout_s=1)
        return timeout, refused

    timeout, refused = asyncio.run(refused_and_silent())
    assert timeout.status is None and "timed out" in (timeout.error or "")
    assert refused.status is None and refused.error
