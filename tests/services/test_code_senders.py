"""The whatsapp and webhook code senders against a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator

import pytest

from grouplink.services.code_senders import SendFailed
from grouplink.services.code_senders.webhook import SIGNATURE_HEADER, WebhookSender
from grouplink.services.code_senders.whatsapp import WhatsAppSender
from tests.code_senders import DOC, body_of, documented_verify
from tests.receiver import Receiver

SECRET = "a-shared-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver().start()
    yield got
    got.stop()


def whatsapp(base_url: str, timeout_s: float = 5.0) -> WhatsAppSender:
    return WhatsAppSender(
        base_url=base_url,
        api_version="v23.0",
        phone_number_id="106540352242922",
        token="EAAtest",
        template="signin_code",
        language="en_US",
        timeout_s=timeout_s,
    )


def root(receiver: Receiver) -> str:
    return f"http://127.0.0.1:{receiver.port}"


def test_whatsapp_sends_metas_authentication_template(receiver: Receiver) -> None:
    asyncio.run(whatsapp(root(receiver) + "/").send("15550100042", "106913", 300))
    [request] = receiver.received()
    assert request.path == "/v23.0/106540352242922/messages"
    assert request.headers["Authorization"] == "Bearer EAAtest"
    assert request.headers["Content-Type"] == "application/json"
    assert body_of(request) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15550100042",
        "type": "template",
        "template": {
            "name": "signin_code",
            "language": {"code": "en_US"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "106913"}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "106913"}],
                },
            ],
        },
    }


def test_whatsapp_reports_the_graph_error_it_got(receiver: Receiver) -> None:
    receiver.status = 400
    receiver.failure_body = json.dumps(
        {
            "error": {
                "message": "(#132001) Template name does not exist in the translation",
                "type": "OAuthException",
                "code": 132001,
                "fbtrace_id": "AbCdEf",
            }
        }
    ).encode()
    with pytest.raises(SendFailed) as failed:
        asyncio.run(whatsapp(root(receiver)).send("15550100042", "106913", 300))
    assert str(failed.value) == (
        "WhatsApp answered HTTP 400: code 132001: "
        "(#132001) Template name does not exist in the translation"
    )


def test_a_provider_that_never_answers_is_a_failure_after_the_timeout() -> None:
    # A socket that listens and never accepts: the connection is made, no answer comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(SendFailed, match=r"WhatsApp: timed out after 0.3 s"):
            asyncio.run(whatsapp(f"http://127.0.0.1:{port}", timeout_s=0.3).send("1555", "1", 1))


def test_a_provider_that_is_down_is_a_failure(receiver: Receiver) -> None:
    url = receiver.url
    receiver.stop()
    sender = WebhookSender(url=url, secret=SECRET, timeout_s=5)
    with pytest.raises(SendFailed, match=r"The code webhook: ConnectionRefusedError"):
        asyncio.run(sender.send("15550100042", "106913", 300))


def test_the_webhook_posts_the_code_signed(receiver: Receiver) -> None:
    sender = WebhookSender(url=receiver.url, secret=SECRET, timeout_s=5, clock=lambda: 1764688200.7)
    asyncio.run(sender.send("15550100042", "106913", 300))
    [request] = receiver.received()
    assert request.path == "/webhook"
    assert body_of(request) == {
        "to": "+15550100042",
        "code": "106913",
        "expires_in": 300,
        "expires_at": 1764688500,
        "purpose": "signin",
    }
    header = request.headers[SIGNATURE_HEADER]
    assert header.startswith("t=1764688200,v1=")
    verify = documented_verify()
    assert verify(SECRET, header, request.body, now=1764688200)
    assert not verify("another-secret", header, request.body, now=1764688200)
    assert not verify(SECRET, header, request.body.replace(b"106913", b"106914"), now=1764688200)
    assert not verify(SECRET, header, request.body, now=1764688200 + 301)  # played again later
    assert not verify(SECRET, "v1=" + header.split("v1=")[1], request.body, now=1764688200)


def test_the_webhook_signature_is_fresh_by_the_receivers_clock(receiver: Receiver) -> None:
    before = int(time.time())
    asyncio.run(WebhookSender(url=receiver.url, secret=SECRET, timeout_s=5).send("1555", "1", 60))
    after = int(time.time())
    [request] = receiver.received()
    assert documented_verify()(SECRET, request.headers[SIGNATURE_HEADER], request.body)
    assert before + 60 <= body_of(request)["expires_at"] <= after + 60


def test_the_documented_example_request_verifies() -> None:
    text = DOC.read_text()
    header = text.split("X-Grouplink-Signature: ", 1)[1].split("\n", 1)[0]
    body = text.split(header, 1)[1].split("\n\n", 1)[1].split("\n", 1)[0].encode()
    assert documented_verify()("example-secret", header, body, now=1764688200)


def test_a_refused_webhook_is_a_failure(receiver: Receiver) -> None:
    receiver.status = 500
    with pytest.raises(
        SendFailed, match=r"^The code webhook answered HTTP 500: failing on purpose$"
    ):
        asyncio.run(WebhookSender(url=receiver.url, secret=SECRET, timeout_s=5).send("1", "2", 3))
