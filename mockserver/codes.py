"""Promo codes: drawing them from a CSPRNG, and the keyed digest the store keeps instead of them."""

from __future__ import annotations

import hashlib
import os
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

TokenBytes = Callable[[int], bytes]


class Randomness:
    """Where codes and ids come from: the OS CSPRNG, or a seeded generator for replayable runs."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self.token_bytes: TokenBytes = os.urandom if seed is None else random.Random(seed).randbytes

    def uuid4(self) -> str:
        return str(uuid.UUID(bytes=self.token_bytes(16), version=4))


@dataclass(frozen=True)
class CodeFormat:
    """`PREFIX-XXXXXXXX`, as the spec's `x-code-format` describes it."""

    prefix_length: int
    random_length: int
    alphabet: str

    def prefix(self, slug: str) -> str:
        return slug[: self.prefix_length].upper()


class CodeDrawer:
    """Draws the random part of codes in bulk, uniformly over the alphabet (no modulo bias).

    Random bytes at or above the largest multiple of the alphabet's size are dropped
    (rejection sampling); the others map to `alphabet[byte % size]`. Both steps run in C
    through `bytes.translate`, so ten thousand codes cost one `token_bytes` call or two.
    """

    def __init__(self, code_format: CodeFormat, randomness: Randomness) -> None:
        size = len(code_format.alphabet)
        if not 1 < size <= 256:
            raise ValueError(f"code alphabet must have 2..256 characters, not {size}")
        cutoff = 256 - 256 % size
        self._format = code_format
        self._randomness = randomness
        self._rejected = bytes(range(cutoff, 256))
        self._table = bytes(ord(code_format.alphabet[b % size]) for b in range(256))
        self._accept_ratio = cutoff / 256

    def draw(self, slug: str, count: int) -> list[str]:
        """`count` codes for the campaign `slug` (not yet checked for uniqueness)."""
        length = self._format.random_length
        needed = count * length
        pool = b""
        while len(pool) < needed:
            missing = needed - len(pool)
            raw = self._randomness.token_bytes(int(missing / self._accept_ratio) + 16)
            pool += raw.translate(None, self._rejected)
        chars = pool[:needed].translate(self._table).decode("ascii")
        prefix = self._format.prefix(slug) + "-"
        return [prefix + chars[i : i + length] for i in range(0, needed, length)]


class CodeDigester:
    """A keyed 64-bit BLAKE2b digest of a code, after trimming and upper-casing it (D5).

    The key is secret to the process (or its state file), so a digest cannot be turned back
    into a code by trying the ~10^12 codes of a prefix.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else os.urandom(32)
        # Copying a keyed state is about twice as fast as keying a new one for every code.
        self._keyed = hashlib.blake2b(key=self.key, digest_size=8)

    def digest(self, code: str) -> int:
        """The digest of a code as a client typed it."""
        return self.digests([code.strip().upper()])[0]

    def digests(self, normalised: list[str]) -> list[int]:
        """Digests of codes already trimmed and upper-cased, such as freshly drawn ones."""
        keyed, from_bytes = self._keyed.copy, int.from_bytes
        result = []
        for code in normalised:
            state = keyed()
            state.update(code.encode("utf-8", "surrogatepass"))
            result.append(from_bytes(state.digest(), "big"))
        return result
