"""Group commit: the writes of one process wait in one line, and one thread at a time keeps them.

A thread that finds nobody keeping writes keeps the line, a group at a time, until its own write
is kept; then it hands the line over to the thread of the first write still waiting. So each
thread waits for its own write only, and writes that arrive while a commit waits on the disk or
the network share the next commit. Grouped writes (new batches, redemptions) go together, up to
GROUP of them; any other write is kept in a group of its own.

`GroupView` is the store as a group's later writes see it: the replica, and what the group's
earlier writes decided (its batches' ids and codes, its redemptions), not kept yet.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..domain.events import BatchAdded, CodeRedeemed, Decision, Event
from ..domain.ports import PartnerSeed, StoreUnavailable, View
from ..domain.records import ApiKey, Campaign, CampaignKey, CodeRecord

GROUP = 64  # writes waiting at once that one transaction keeps together, at most


@dataclass(eq=False)
class Pending:
    """A write waiting for its turn: its decision, and then its answer or its error."""

    decide: Callable[[View], Decision]
    alone: bool  # kept in a group of its own
    since: int | None = None  # decided on the store as it stood at this event, or not at all
    done: bool = False
    answer: Any = None
    error: BaseException | None = None
    lead: bool = False  # its thread is to keep the waiting writes
    woken: threading.Event | None = None  # what its thread waits on, if it waits


class Line:
    """The line of a process's writes; `keep(group)` keeps a group and gives each its answer or error."""

    def __init__(self, keep: Callable[[list[Pending]], None]) -> None:
        self._keep = keep
        self._waiting: collections.deque[Pending] = collections.deque()
        self._guard = threading.Lock()  # guards _waiting and _leading
        self._leading = False  # a thread is keeping the waiting writes

    def submit(self, decide: Callable[[View], Decision], *, alone: bool, since: int | None = None) -> Any:
        """Wait for the write to be kept; its answer, or its error raised."""
        pending = Pending(decide, alone, since)
        with self._guard:
            self._waiting.append(pending)
            pending.lead = not self._leading
            self._leading = True
            if not pending.lead:
                pending.woken = threading.Event()
        if pending.woken is not None:
            pending.woken.wait()  # until it is kept, or its thread is to keep the writes
        if pending.lead:
            self._lead(pending)
        if pending.error is not None:
            raise pending.error
        return pending.answer

    def _lead(self, own: Pending) -> None:
        try:
            while not own.done:
                self._run(self._next_group())
        finally:
            with self._guard:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.woken.set()  # type: ignore[union-attr]  # it waits: it was not first
                else:
                    self._leading = False

    def _next_group(self) -> list[Pending]:
        with self._guard:
            waiting = self._waiting
            group = [waiting.popleft()]
            if not group[0].alone:
                while waiting and len(group) < GROUP and not waiting[0].alone:
                    group.append(waiting.popleft())
        return group

    def _run(self, group: list[Pending]) -> None:
        try:
            self._keep(group)
        except BaseException as failure:  # nothing of the group was kept: each of its writes says so
            for pending in group:
                pending.error = _own_copy(failure)
            if not isinstance(failure, Exception):
                raise
        finally:
            for pending in group:
                pending.done = True
                if pending.woken is not None:
                    pending.woken.set()


def _own_copy(failure: BaseException) -> BaseException:
    """The error for one waiting write: each thread raises an exception of its own."""
    if isinstance(failure, StoreUnavailable):
        copy = StoreUnavailable(failure.failed)
        copy.__cause__ = failure.__cause__
        return copy
    if isinstance(failure, Exception):
        return failure
    return StoreUnavailable(StoreUnavailable.INTERRUPTED)


class GroupView:
    """The store as the next write of a group sees it: `replica`, which holds the events up to
    `seen`, and the events the group's writes decided so far (`events`)."""

    def __init__(self, replica: Any, seen: int) -> None:
        self.replica = replica
        self.seen = seen
        self.events: list[Event] = []
        self._batch_ids: set[str] = set()
        self._digests: set[int] = set()  # of the group's new batches, as far as folded in
        self._unfolded: list[Sequence[int]] = []  # taken, not yet in _digests: a lone write never is
        self._redeemed: set[int] = set()
        self.checked: list[Sequence[int]] = []  # digests it found new: the replica's and the group's

    def decided(self, events: Sequence[Event]) -> None:
        """Take in what a write of the group decided."""
        for event in events:
            if isinstance(event, BatchAdded):
                self._batch_ids.add(event.id)
                self._unfolded.append(event.digests)
            elif isinstance(event, CodeRedeemed):
                self._redeemed.add(event.digest)
        self.events.extend(events)

    def key(self, secret_sha256: bytes) -> ApiKey | None:
        return self.replica.key(secret_sha256)  # type: ignore[no-any-return]

    def partner(self, partner_id: str) -> PartnerSeed | None:
        return self.replica.partner(partner_id)  # type: ignore[no-any-return]

    def campaign(self, key: CampaignKey) -> Campaign | None:
        return self.replica.campaign(key)  # type: ignore[no-any-return]

    def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        return self.replica.campaign_by_id(campaign_id)  # type: ignore[no-any-return]

    def has_batch(self, batch_id: str) -> bool:
        return batch_id in self._batch_ids or self.replica.has_batch(batch_id)  # type: ignore[no-any-return]

    def code(self, digest: int) -> CodeRecord | None:
        record: CodeRecord | None = self.replica.code(digest)
        if record is not None and digest in self._redeemed:
            return record._replace(redeemed=True)
        return record

    def clashes(self, digests: Sequence[int]) -> bool:
        for taken in self._unfolded:
            self._digests.update(taken)
        self._unfolded.clear()
        if self._digests and not self._digests.isdisjoint(digests):
            return True
        if self.replica.clashes(digests):
            return True
        self.checked.append(digests)
        return False

    def clock_offset(self) -> timedelta:
        return self.replica.clock_offset()  # type: ignore[no-any-return]

    def is_new(self) -> bool:
        return self.seen == 0 and not self.events
