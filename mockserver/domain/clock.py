"""The mock's notion of now: the system clock or an instant it was frozen at, moved by an offset.

The offset is what the admin API changes; a store keeps it, so that it survives a restart and,
on a shared store, is the same for every instance. The instant a clock is frozen at is an
option of each instance (--freeze-time).
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Now, to the second: the system clock, or a fixed instant, shifted by an offset."""

    def __init__(self, frozen_at: datetime | None = None, offset: timedelta = timedelta(0)) -> None:
        self._frozen_at = frozen_at
        self._frozen_seconds = frozen_at.timestamp() if frozen_at is not None else None
        self._lock = threading.Lock()
        self._offset = offset
        self._offset_seconds = offset.total_seconds()
        # The last second `now` was asked for and its datetime, as one tuple for threads to share.
        self._last: tuple[int, datetime] | None = None

    @property
    def frozen_at(self) -> datetime | None:
        return self._frozen_at

    @property
    def offset(self) -> timedelta:
        return self._offset

    def timestamp(self) -> float:
        """Now, in seconds since the epoch."""
        frozen = self._frozen_seconds
        return (time.time() if frozen is None else frozen) + self._offset_seconds

    def now(self) -> datetime:
        """Now, to the second (the API's timestamps have no fractions)."""
        second = math.floor(self.timestamp())
        last = self._last
        if last is None or last[0] != second:  # a datetime is immutable: one serves the second
            last = self._last = (second, datetime.fromtimestamp(second, UTC))
        return last[1]

    def offset_to(self, instant: datetime) -> timedelta:
        """The offset that makes now `instant`: a running clock goes on from there, a frozen one stays."""
        return instant - (self._frozen_at or datetime.now(UTC))

    def shift(self, offset: timedelta) -> None:
        """Move the clock to `offset` from its base (the system clock, or the frozen instant)."""
        with self._lock:
            self._offset = offset
            self._offset_seconds = offset.total_seconds()
