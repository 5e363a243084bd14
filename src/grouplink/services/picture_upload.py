"""An uploaded group picture, checked and re-encoded off the event loop.

Decoding is CPU work (a large picture takes a fraction of a second, a progressive
one up to about 100 MB): it runs in a thread, and at most ``DECODING_AT_ONCE`` per
process at a time, so that a burst of uploads neither stalls other requests nor adds
up its memory; the rest wait their turn.
"""

from __future__ import annotations

import asyncio

from grouplink.domain.picture import Picture, validate_picture

DECODING_AT_ONCE = 2
_decoding = asyncio.Semaphore(DECODING_AT_ONCE)


async def read_picture(data: bytes) -> Picture:
    """The picture as it will be stored and served; refused as ``validate_picture`` says."""
    async with _decoding:
        return await asyncio.to_thread(validate_picture, data)
