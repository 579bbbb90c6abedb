"""Timestamps on the wire: what orjson writes of a datetime is what `format_timestamp` writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
from hypothesis import given
from hypothesis import strategies as st

from mockserver.contract.timestamps import ORJSON_TIMESTAMPS, format_timestamp, in_utc, parse_timestamp

OFFSETS = st.builds(timezone, st.integers(-23 * 60 + 1, 23 * 60 - 1).map(lambda m: timedelta(minutes=m)))
MOMENTS = st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31), timezones=st.just(UTC) | OFFSETS)


@given(MOMENTS)
def test_orjson_writes_a_moment_in_utc_as_format_timestamp_does(moment: datetime) -> None:
    written = orjson.dumps(in_utc(moment), option=ORJSON_TIMESTAMPS)
    assert written == orjson.dumps(format_timestamp(moment))
    assert parse_timestamp(orjson.loads(written)) == moment.replace(microsecond=0)


def test_a_moment_already_in_utc_is_kept_and_none_stays_none() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert in_utc(moment) is moment
    assert in_utc(None) is None
    assert orjson.dumps(in_utc(None), option=ORJSON_TIMESTAMPS) == b"null"
