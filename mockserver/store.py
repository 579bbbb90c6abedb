"""`CodeStore`: every code of the mock as a keyed digest, and the batch each belongs to.

No web import; `backend.CodesBackend` owns one and calls it under its lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from .codes import CodeDigester, CodeDrawer
from .domain import Batch


class CodeStore:
    """The digests of every code (never a code), and which batch owns each.

    Two structures, for two questions. `_digests`, a set, answers whether a code exists and
    whether a drawn code is new, in one probe each. `_owners` maps a digest to its batch for
    the lookups (verify, redeem, revoke); it is filled lazily, in bulk: the batches drawn
    since the last lookup wait in `_unindexed` until one needs them. So generating a batch
    costs one set insertion per code, all of it in C, and the mapping is built only if some
    code is looked up.
    """

    def __init__(self, drawer: CodeDrawer, digester: CodeDigester) -> None:
        self.digester = digester
        self._drawer = drawer
        self._digests: set[int] = set()
        self._owners: dict[int, Batch] = {}
        self._unindexed: list[tuple[Batch, list[int]]] = []

    def __len__(self) -> int:
        return len(self._digests)

    def __contains__(self, digest: int) -> bool:
        return digest in self._digests

    def add_batch(self, batch: Batch, known: list[str]) -> list[str]:
        """`batch.batch_size` codes unique across the mock, `known` among them; only digests are kept."""
        if not known:  # the usual case, in C code throughout unless a drawn code clashes
            drawn = self._drawer.draw(batch.campaign.slug, batch.batch_size)
            if self._insert(batch, self.digester.digests(drawn, length=len(drawn[0]))):
                return drawn
        normalised = [code.strip().upper() for code in known]
        codes = dict(zip(self.digester.digests(normalised), normalised, strict=True))
        if len(codes) != len(known) or not self._digests.isdisjoint(codes):
            raise ValueError(f"batch {batch.id}: its codes repeat codes already stored")
        while len(codes) < batch.batch_size:
            drawn = self._drawer.draw(batch.campaign.slug, batch.batch_size - len(codes))
            more = dict(zip(self.digester.digests(drawn, length=len(drawn[0])), drawn, strict=True))
            for clash in more.keys() & self._digests | more.keys() & codes.keys():
                del more[clash]
            codes.update(more)
        self._insert(batch, list(codes))  # all new and distinct, as checked above
        return list(codes.values())

    def owner(self, code: str) -> tuple[int, Batch] | None:
        """The digest of a code as a client typed it, and its batch; None if there is no such code."""
        digest = self.digester.digest(code)
        if digest is None or digest not in self._digests:
            return None
        self._index()
        return digest, self._owners[digest]

    def owners(self) -> dict[int, Batch]:
        """Every digest with its batch (a copy)."""
        self._index()
        return dict(self._owners)

    def restored(self, digester: CodeDigester, batches: Iterable[tuple[Batch, list[int]]]) -> CodeStore:
        """A store drawing as this one does, holding these batches' digests; ValueError if one repeats."""
        store = CodeStore(self._drawer, digester)
        store._unindexed = list(batches)
        store._digests = {digest for _, digests in store._unindexed for digest in digests}
        if len(store._digests) != sum(len(digests) for _, digests in store._unindexed):
            raise ValueError("a code appears twice")
        return store

    def _insert(self, batch: Batch, digests: list[int]) -> bool:
        """Add digests all new and distinct; if one is not, False, and the store is as it was."""
        before = len(self._digests)
        self._digests.update(digests)
        if len(self._digests) - before == len(digests):
            self._unindexed.append((batch, digests))
            return True
        # One was there already, or came twice: take out those this call added, which are
        # the ones no batch owns once every batch is indexed.
        self._index()
        self._digests.difference_update([digest for digest in digests if digest not in self._owners])
        return False

    def _index(self) -> None:
        for batch, digests in self._unindexed:
            self._owners.update(zip(digests, itertools.repeat(batch)))
        self._unindexed.clear()
