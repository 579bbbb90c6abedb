"""`CodeStore`: every code of the mock as a keyed digest, and the batch each belongs to.

No web import; `backend.CodesBackend` owns one and calls it under its lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from .codes import CodeDigester, CodeDrawer, CodeSheet
from .domain import Batch


class CodeStore:
    """The digests of every code (never a code), and which batch owns each.

    `_owners` maps digests to their batches, for the lookups (verify, redeem, revoke). It is
    filled in bulk, when a lookup needs it: the codes drawn since the last lookup wait in
    `_young`, a set, with their batches in `_unindexed`. A drawn code is new if neither
    holds its digest. So a mock that only generates pays one set probe per code, in C, and
    codes that have been looked up are held once, in the mapping.
    """

    def __init__(self, drawer: CodeDrawer, digester: CodeDigester) -> None:
        self.digester = digester
        self._drawer = drawer
        self._owners: dict[int, Batch] = {}
        self._young: set[int] = set()
        self._unindexed: list[tuple[Batch, Sequence[int]]] = []

    def __len__(self) -> int:
        return len(self._owners) + len(self._young)

    def __contains__(self, digest: int) -> bool:
        return digest in self._young or digest in self._owners

    def add_batch(self, batch: Batch, known: list[str]) -> CodeSheet:
        """`batch.batch_size` codes unique across the mock, `known` among them; only digests are kept."""
        if not known:  # the usual case, in C code throughout unless a drawn code clashes
            drawn = self._drawer.draw(batch.campaign.slug, batch.batch_size)
            if self._insert(batch, self.digester.digests(drawn)):
                return drawn
        normalised = [code.strip().upper() for code in known]
        codes = dict(zip(self.digester.digests(CodeSheet.of(normalised)), normalised, strict=True))
        if len(codes) != len(known) or any(map(self.__contains__, codes)):
            raise ValueError(f"batch {batch.id}: its codes repeat codes already stored")
        while len(codes) < batch.batch_size:
            drawn = self._drawer.draw(batch.campaign.slug, batch.batch_size - len(codes))
            more = dict(zip(self.digester.digests(drawn), drawn, strict=True))
            for clash in [digest for digest in more if digest in self or digest in codes]:
                del more[clash]
            codes.update(more)
        self._insert(batch, list(codes))  # all new and distinct, as checked above
        return CodeSheet.of(codes.values())

    def owner(self, code: str) -> tuple[int, Batch] | None:
        """The digest of a code as a client typed it, and its batch; None if there is no such code."""
        digest = self.digester.digest(code)
        if digest is None or digest not in self:
            return None
        self._index()
        return digest, self._owners[digest]

    def owners(self) -> dict[int, Batch]:
        """Every digest with its batch (a copy)."""
        self._index()
        return dict(self._owners)

    def restored(self, digester: CodeDigester, batches: Iterable[tuple[Batch, Sequence[int]]]) -> CodeStore:
        """A store drawing as this one does, holding these batches' digests; ValueError if one repeats."""
        store = CodeStore(self._drawer, digester)
        for batch, digests in batches:
            if not store._insert(batch, digests):
                raise ValueError("a code appears twice")
        return store

    def _insert(self, batch: Batch, digests: Sequence[int]) -> bool:
        """Add digests all new and distinct; if one is not, False, and the store is as it was."""
        values, young = list(digests), self._young  # each digest made an int object once
        if not young.isdisjoint(values) or (self._owners and not self._owners.keys().isdisjoint(values)):
            return False
        before = len(young)
        young.update(values)  # probes the slots the check above just brought into the cache
        if len(young) - before == len(values):
            # Kept as given until indexed: an array of digests is compact, and not for the GC to walk.
            self._unindexed.append((batch, digests))
            return True
        young.difference_update(values)  # one came twice; all were new, so all go
        return False

    def _index(self) -> None:
        # The young set goes first: the mapping's keys then reuse the memory of its int objects.
        self._young.clear()
        for batch, digests in self._unindexed:
            self._owners.update(zip(digests, itertools.repeat(batch)))
        self._unindexed.clear()
