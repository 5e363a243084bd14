"""QR codes of invite links (segno): SVG to show on the page, PNG to download."""

from __future__ import annotations

import io

import segno

DARK, LIGHT = "#111b21", "#ffffff"  # a light field in dark mode too, or phones can't scan it


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def svg(url: str, title: str) -> str:
    """Inline SVG markup that scales with its box (no width or height of its own)."""
    markup: str = _code(url).svg_inline(
        scale=1, border=4, dark=DARK, light=LIGHT, omitsize=True, title=title
    )
    return markup


def png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=12, border=4, dark=DARK, light=LIGHT)
    return buffer.getvalue()
