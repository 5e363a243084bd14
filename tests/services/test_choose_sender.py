"""Which code sender the settings make, and the ones a server refuses to start with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grouplink.app import create_app
from grouplink.services.code_senders import SenderRefused, build_sender
from grouplink.services.code_senders.log import LogSender
from grouplink.services.code_senders.webhook import WebhookSender
from grouplink.services.code_senders.whatsapp import WhatsAppSender
from grouplink.settings import Settings
from tests.conftest import free_port, start_server, stop_server
from tests.web.file_sender import FileSender
from tests.web.pages import Person

WHATSAPP = {
    "code_sender": "whatsapp",
    "whatsapp_phone_number_id": "106540352242922",
    "whatsapp_token": "EAAtest",
    "whatsapp_code_template": "signin_code",
}


def test_each_name_makes_its_sender(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(build_sender(Settings()), LogSender)
    sender = build_sender(Settings(**WHATSAPP, whatsapp_base_url="http://relay.internal:8080"))
    assert isinstance(sender, WhatsAppSender)
    assert sender.url == "http://relay.internal:8080/v23.0/106540352242922/messages"
    assert "EAAtest" not in repr(sender)  # the token stays out of logs and tracebacks
    hook = build_sender(
        Settings(
            code_sender="webhook", code_webhook_url="https://x.test/c", code_webhook_secret="s"
        )
    )
    assert isinstance(hook, WebhookSender) and hook.timeout_s == 5.0
    monkeypatch.setenv("GROUPLINK_TEST_CODE_FILE", str(tmp_path / "codes.txt"))
    assert isinstance(build_sender(Settings(code_sender="tests.web.file_sender:make")), FileSender)


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (
            {"code_sender": "whatsapp"},
            "GROUPLINK_CODE_SENDER=whatsapp needs GROUPLINK_WHATSAPP_PHONE_NUMBER_ID and "
            "GROUPLINK_WHATSAPP_TOKEN and GROUPLINK_WHATSAPP_CODE_TEMPLATE",
        ),
        (
            {**WHATSAPP, "whatsapp_base_url": "graph.facebook.com"},
            "GROUPLINK_WHATSAPP_BASE_URL 'graph.facebook.com' is not an http:// or https:// URL",
        ),
        (
            {"code_sender": "webhook", "code_webhook_url": "https://x.test/c"},
            "GROUPLINK_CODE_SENDER=webhook needs GROUPLINK_CODE_WEBHOOK_SECRET",
        ),
        (
            {"code_sender": "sms"},
            "GROUPLINK_CODE_SENDER 'sms' is none of log, whatsapp, webhook or "
            "package.module:factory",
        ),
        (
            {"code_sender": "no_such_module:make"},
            "GROUPLINK_CODE_SENDER 'no_such_module:make' cannot be loaded: "
            "No module named 'no_such_module'",
        ),
        (
            {"code_sender": "tests.web.file_sender:last_code"},
            "GROUPLINK_CODE_SENDER 'tests.web.file_sender:last_code' failed: TypeError: ",
        ),
    ],
)
def test_a_sender_that_cannot_work_is_refused(settings: dict[str, str], said: str) -> None:
    with pytest.raises(SenderRefused) as refused:
        build_sender(Settings(**settings))
    assert str(refused.value).startswith(said)


def test_production_refuses_the_log_sender_unless_told() -> None:
    with pytest.raises(SenderRefused, match="GROUPLINK_CODE_SENDER_LOG_IN_PRODUCTION=true"):
        create_app(Settings(profile="production"))
    allowed = Settings(profile="production", code_sender_log_in_production=True)
    assert isinstance(build_sender(allowed), LogSender)
    assert isinstance(build_sender(Settings(profile="production", **WHATSAPP)), WhatsAppSender)


def serve(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GROUPLINK_DATA_DIR": str(tmp_path),
        "GROUPLINK_PORT": str(free_port()),
        **{f"GROUPLINK_{k.upper()}": v for k, v in settings.items()},
    }
    env.pop("GROUPLINK_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "grouplink", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_in_production_with_the_log_sender_exits_with_one_line(tmp_path: Path) -> None:
    ran = serve(tmp_path, profile="production")
    assert ran.returncode == 1
    assert ran.stderr.splitlines() == [
        "Error: GROUPLINK_CODE_SENDER is log, which puts sign-in codes in the server log only; "
        "in the production profile set it to whatsapp, webhook or package.module:factory "
        "(or GROUPLINK_CODE_SENDER_LOG_IN_PRODUCTION=true)"
    ]
    assert not (tmp_path / "grouplink.db").exists()  # refused before it touched anything


def test_serve_with_a_sender_missing_its_token_exits_with_one_line(tmp_path: Path) -> None:
    ran = serve(tmp_path, code_sender="whatsapp", whatsapp_phone_number_id="1")
    assert ran.returncode == 1
    assert ran.stderr.splitlines() == [
        "Error: GROUPLINK_CODE_SENDER=whatsapp needs GROUPLINK_WHATSAPP_TOKEN and "
        "GROUPLINK_WHATSAPP_CODE_TEMPLATE"
    ]


def test_production_starts_with_the_log_sender_when_told(tmp_path: Path) -> None:
    proc, srv = start_server(
        f"sqlite:///{tmp_path}/own.db",
        tmp_path,
        workers=1,
        profile="production",
        code_sender_log_in_production="true",
        log_level="info",
    )
    person = Person(srv.base_url)
    try:
        code_page = person.ask_code()
        assert code_page.status == 200 and code_page.sandbox_code is None
        assert srv.log_path is not None
        [line] = [
            json.loads(line)
            for line in srv.log_path.read_text().splitlines()
            if '"sign-in code"' in line and person.wa_id in line
        ]
        answer = person.post(code_page.form("/signin/code"), code=line["code"])
        assert answer.status_code == 303  # the operator read the code in the log
    finally:
        person.close()
        stop_server(proc)
