"""The sender that the settings name, checked before the server starts.

A sender that cannot work (a missing token, a factory that does not import) and
the log sender in production are refused with one line that names the setting
to change: ``grouplink serve`` prints it and exits, before it binds a port.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

from grouplink.services.code_senders.log import LogSender
from grouplink.services.code_senders.protocol import CodeSender
from grouplink.services.code_senders.webhook import WebhookSender
from grouplink.services.code_senders.whatsapp import WhatsAppSender
from grouplink.settings import Settings


class SenderRefused(ValueError):
    """The settings name no sender this server may start with; the message says why."""


def build_sender(settings: Settings) -> CodeSender:
    spec = settings.code_sender
    if spec == "log":
        if settings.profile == "production" and not settings.code_sender_log_in_production:
            raise SenderRefused(
                "GROUPLINK_CODE_SENDER is log, which puts sign-in codes in the server log "
                "only; in the production profile set it to whatsapp, webhook or "
                "package.module:factory (or GROUPLINK_CODE_SENDER_LOG_IN_PRODUCTION=true)"
            )
        return LogSender()
    if spec == "whatsapp":
        return _whatsapp(settings)
    if spec == "webhook":
        return _webhook(settings)
    return _from_factory(spec)


def _whatsapp(settings: Settings) -> WhatsAppSender:
    _require(
        "whatsapp",
        GROUPLINK_WHATSAPP_PHONE_NUMBER_ID=settings.whatsapp_phone_number_id,
        GROUPLINK_WHATSAPP_TOKEN=settings.whatsapp_token.get_secret_value(),
        GROUPLINK_WHATSAPP_CODE_TEMPLATE=settings.whatsapp_code_template,
    )
    _http_url("GROUPLINK_WHATSAPP_BASE_URL", settings.whatsapp_base_url)
    return WhatsAppSender(
        base_url=settings.whatsapp_base_url,
        api_version=settings.whatsapp_api_version,
        phone_number_id=settings.whatsapp_phone_number_id,
        token=settings.whatsapp_token.get_secret_value(),
        template=settings.whatsapp_code_template,
        language=settings.whatsapp_code_language,
        timeout_s=settings.code_sender_timeout_seconds,
    )


def _webhook(settings: Settings) -> WebhookSender:
    _require(
        "webhook",
        GROUPLINK_CODE_WEBHOOK_URL=settings.code_webhook_url,
        GROUPLINK_CODE_WEBHOOK_SECRET=settings.code_webhook_secret.get_secret_value(),
    )
    _http_url("GROUPLINK_CODE_WEBHOOK_URL", settings.code_webhook_url)
    return WebhookSender(
        url=settings.code_webhook_url,
        secret=settings.code_webhook_secret.get_secret_value(),
        timeout_s=settings.code_sender_timeout_seconds,
    )


def _require(sender: str, **values: str) -> None:
    missing = [name for name, value in values.items() if not value.strip()]
    if missing:
        raise SenderRefused(f"GROUPLINK_CODE_SENDER={sender} needs {' and '.join(missing)}")


def _http_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SenderRefused(f"{name} '{url}' is not an http:// or https:// URL")


def _from_factory(spec: str) -> CodeSender:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise SenderRefused(
            f"GROUPLINK_CODE_SENDER '{spec}' is none of log, whatsapp, webhook "
            "or package.module:factory"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as error:
        raise SenderRefused(f"GROUPLINK_CODE_SENDER '{spec}' cannot be loaded: {error}") from None
    try:
        sender = factory()
    except Exception as error:  # a plug-in's own failure: one line still, not a traceback
        raise SenderRefused(
            f"GROUPLINK_CODE_SENDER '{spec}' failed: {type(error).__name__}: {error}"
        ) from None
    if not isinstance(sender, CodeSender):
        raise SenderRefused(f"GROUPLINK_CODE_SENDER '{spec}' did not make an object with send()")
    return sender
