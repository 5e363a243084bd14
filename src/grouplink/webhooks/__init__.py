"""Webhook delivery: the verification handshake, signed POSTs, the outbox dispatcher."""
