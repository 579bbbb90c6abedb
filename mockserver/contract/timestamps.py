"""RFC 3339 timestamps as the mock reads and writes them: UTC, `Z`, whole seconds (D4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import orjson

# The orjson options under which an aware UTC datetime is written as `format_timestamp` writes it.
ORJSON_TIMESTAMPS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?",
    re.ASCII,
)


def parse_timestamp(text: str) -> datetime:
    """An aware UTC datetime, whole seconds; a value without an offset is taken as UTC.

    Raises ValueError for anything that is not an RFC 3339 date-time or leaves the
    range of years 1..9999 once moved to UTC.
    """
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    head, rest = text[:19], text[19:]
    fraction = re.match(r"\.\d+", rest)
    offset = rest[fraction.end() :] if fraction else rest
    try:
        moment = datetime.fromisoformat(head.replace("t", "T").replace(" ", "T"))
        if offset and offset not in "Zz":
            moment = datetime.fromisoformat(f"{moment.isoformat()}{offset}")
        else:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}") from error


def format_timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="seconds") + "Z"


def in_utc(moment: datetime | None) -> datetime | None:
    """`moment` in UTC, for orjson to write under ORJSON_TIMESTAMPS; the mock's own already are."""
    return moment if moment is None or moment.tzinfo is UTC else moment.astimezone(UTC)
