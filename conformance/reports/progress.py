"""Lines while a run works: one per operation and phase as it finishes, and a heartbeat between.

Whoever reads the run on a pipe (a CI log, `tee`) sees a line at least every HEARTBEAT
seconds: when nothing finished for that long, a line says what is still running.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from ..sources.session import Session
from .summary import heading

HEARTBEAT = 2.0  # seconds without a line before the heartbeat speaks


@dataclass
class Group:
    """The units of one operation and phase: how many there are, and how they ended."""

    operation: str
    phase: str
    noun: str  # "check" or "request"
    total: int = 0
    sealed: bool = False  # no unit will be added
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def finished(self) -> int:
        return sum(self.outcomes.values())

    def line(self) -> str:
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.outcomes.items()))
        plural = "" if self.total == 1 else "s"
        return f"  {self.operation:<9} {self.phase:<9} {self.total} {self.noun}{plural}: {counts or 'none'}"


class Progress:
    """Writes progress lines to `stream` (nothing when it is None); safe to call from any thread."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._groups: dict[tuple[str, str], Group] = {}
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.requests: Callable[[], int] = lambda: 0  # how many requests were sent, for the heartbeat

    def begin(self, session: Session) -> None:
        """The heading of the session, first."""
        self.line(heading(session))

    def line(self, text: str) -> None:
        with self._lock:
            self._write(text)

    def expect(self, operation: str, phase: str, noun: str, count: int) -> None:
        """`count` more units of a group, all there will be: it prints once they have ended."""
        with self._lock:
            group = self._groups.setdefault((operation, phase), Group(operation, phase, noun))
            group.total += count
            group.sealed = True
            self._print_if_finished(group)

    def finished(self, operation: str, phase: str, outcome: str) -> None:
        with self._lock:
            group = self._groups[(operation, phase)]
            group.outcomes[outcome] += 1
            self._print_if_finished(group)

    def start(self, requests_sent: Callable[[], int] | None = None) -> None:
        if requests_sent is not None:
            self.requests = requests_sent
        self._thread = threading.Thread(target=self._beat, name="conformance-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _print_if_finished(self, group: Group) -> None:
        if group.sealed and group.finished == group.total:
            self._write(group.line())

    def _beat(self) -> None:
        while not self._stop.wait(0.2):
            with self._lock:
                if time.monotonic() - self._last < HEARTBEAT:
                    continue
                running = [
                    f"{group.operation} {group.phase} ({group.finished} of {group.total})"
                    for group in self._groups.values()
                    if group.finished < group.total or not group.sealed
                ]
                self._write(
                    f"  ... {self.requests()} requests sent; running: {', '.join(running) or 'the next step'}"
                )

    def _write(self, text: str) -> None:
        self._last = time.monotonic()
        if self.stream is not None:
            self.stream.write(text + "\n")
            self.stream.flush()
