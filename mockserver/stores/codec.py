"""The event log's codec: domain events (domain/events.py) as rows of the `events` table.

A row is (seq, kind, body, digests): the event's kind, its body as JSON text, and the code
digests it carries packed as 8-byte big-endian words side by side (NULL for none). Each event
class encodes and decodes its own body; this module does the rest, the same for every kind.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence
from typing import Any

import orjson

from ..domain.events import EVENTS, Event

Row = tuple[int, str, str, bytes | None]  # as appended: seq, kind, body, digests


class UnknownEvent(ValueError):
    """A row of a kind this version does not know (a newer version wrote it)."""


def packed(digests: Sequence[int]) -> bytes:
    """Digests as 8-byte big-endian words, side by side."""
    words = digests if isinstance(digests, array) and digests.typecode == "Q" else array("Q", digests)
    if sys.byteorder == "little":
        words = array("Q", words)
        words.byteswap()
    return words.tobytes()


def unpacked(blob: bytes | memoryview | None) -> array[int]:
    words = array("Q")
    if blob:
        words.frombytes(bytes(blob))
        if sys.byteorder == "little":
            words.byteswap()
    return words


def encoded(seq: int, event: Event) -> Row:
    body, digests = event.encode()
    return seq, event.kind, orjson.dumps(body).decode(), None if digests is None else packed(digests)


def decoded(kind: str, body: str | bytes | dict[str, Any], digests: bytes | memoryview | None) -> Event:
    event = EVENTS.get(kind)
    if event is None:
        raise UnknownEvent(f"an event this version does not know: {kind!r}")
    return event.decode(body if isinstance(body, dict) else orjson.loads(body), unpacked(digests))
