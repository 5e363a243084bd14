"""A real webhook receiver on loopback for tests: answers the hub.challenge
handshake, records every POST (headers and exact body bytes), and can be told
to fail, hang or go down."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.meta_schemas import check_event


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    @property
    def json(self) -> Any:
        """The body, checked against Meta's webhook schema (tests/meta_schemas.py)."""
        found = json.loads(self.body)
        check_event(found)
        return found

    @property
    def event(self) -> dict[str, Any]:
        """The one group event inside Meta's envelope."""
        [entry] = self.json["entry"]
        [change] = entry["changes"]
        [event] = change["value"]["groups"]
        return dict(event)

    @property
    def status(self) -> dict[str, Any]:
        """The one message status inside a ``messages`` webhook."""
        [entry] = self.json["entry"]
        [change] = entry["changes"]
        [status] = change["value"]["statuses"]
        return dict(status)

    @property
    def field(self) -> str:
        return str(self.json["entry"][0]["changes"][0]["field"])


@dataclass
class Receiver:
    verify_token: str = "test-verify-token"
    status: int = 200  # answer to POSTs
    delay_s: float = 0.0  # hang this long before answering
    echo_challenge: bool = True
    failure_body: bytes = b"failing on purpose"  # what a non-2xx answer says
    success_body: bytes = b"ok"  # what a 2xx answer says (a stand-in for Meta: its JSON)
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self, port: int = 0) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                token = query.get("hub.verify_token", [""])[0]
                mode = query.get("hub.mode", [""])[0]
                challenge = query.get("hub.challenge", [""])[0]
                if (
                    receiver.echo_challenge
                    and mode == "subscribe"
                    and token == receiver.verify_token
                ):
                    self._answer(200, challenge.encode())
                else:
                    self._answer(403, b"Forbidden")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                status = receiver.status
                if 200 <= status < 300:
                    with receiver.lock:
                        receiver.deliveries.append(
                            Delivery(self.path, dict(self.headers.items()), body, time.time())
                        )
                self._answer(
                    status, receiver.success_body if status < 300 else receiver.failure_body
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> list[Delivery]:
        """Wait until predicate(deliveries) is true; return the deliveries."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if predicate(got):
                return got
            time.sleep(0.05)
        got = [d.json["entry"][0]["changes"][0]["value"] for d in self.received()]
        raise AssertionError(f"receiver timed out; got {got}")
