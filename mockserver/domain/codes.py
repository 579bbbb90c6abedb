"""Promo codes: drawing them from a CSPRNG, and the keyed digest the store keeps instead of them."""

from __future__ import annotations

import os
import random
import re
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TokenBytes = Callable[[int], bytes]
# A code, a 0x01 byte and zeros fill one 16-byte block: of a sheet, and of AES.
BLOCK = 16
MAX_CODE_LENGTH = BLOCK - 1
_PADDING = {length: b"\x01" + bytes(MAX_CODE_LENGTH - length) for length in range(BLOCK)}
# What a code may hold (and so an alphabet, a prefix): it goes into JSON as it is, so
# printable ASCII but `"` and `\`.
_CODE_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*", re.ASCII)


class Randomness:
    """Where codes and ids come from: the OS CSPRNG, or a seeded generator for replayable runs."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self.token_bytes: TokenBytes = os.urandom if seed is None else random.Random(seed).randbytes

    def uuid4(self) -> str:
        """A random (version 4) UUID, as `str(uuid.UUID(bytes=..., version=4))` writes it."""
        raw = bytearray(self.token_bytes(16))
        raw[6] = raw[6] & 0x0F | 0x40  # the version
        raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
        text = raw.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@dataclass(frozen=True)
class CodeFormat:
    """`PREFIX-XXXXXXXX`, as the spec's `x-code-format` describes it."""

    prefix_length: int
    random_length: int
    alphabet: str

    def __post_init__(self) -> None:
        if self.prefix_length + 1 + self.random_length > MAX_CODE_LENGTH:
            raise ValueError(f"codes of more than {MAX_CODE_LENGTH} characters cannot be digested")

    def prefix(self, slug: str) -> str:
        return slug[: self.prefix_length].upper()


class CodeSheet(Sequence[str]):
    """Codes side by side in one buffer of 16-byte blocks: each code, a 0x01 byte, then zeros.

    The blocks are what CodeDigester encrypts, and the codes' JSON array is made from them by
    two byte-string operations. Python strings, one per code, are made only if the codes are
    read one by one.
    """

    __slots__ = ("_codes", "blocks")

    def __init__(self, blocks: bytes) -> None:
        if len(blocks) % BLOCK:
            raise ValueError(f"a sheet is made of {BLOCK}-byte blocks")
        self.blocks = blocks
        self._codes: list[str] | None = None

    @classmethod
    def of(cls, codes: Iterable[str]) -> CodeSheet:
        """A sheet of these codes: printable ASCII but quotes and backslashes, 15 characters at most."""
        blocks = []
        for code in codes:
            if len(code) > MAX_CODE_LENGTH or not _CODE_TEXT.fullmatch(code):
                raise ValueError(f"not a code this mock can hold: {code!r}")
            blocks.append(code.encode("ascii") + _PADDING[len(code)])
        return cls(b"".join(blocks))

    def json(self) -> bytes:
        """The codes as a JSON array of strings."""
        text = self.blocks.translate(None, b"\x00")
        return b'["' + text[:-1].replace(b"\x01", b'","') + b'"]' if text else b"[]"

    def __len__(self) -> int:
        return len(self.blocks) // BLOCK

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._list()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._list())

    def __repr__(self) -> str:
        return f"<CodeSheet of {len(self)} codes>"  # never the codes themselves

    def _list(self) -> list[str]:
        if self._codes is None:
            self._codes = self.blocks.translate(None, b"\x00").decode("ascii").split("\x01")[:-1]
        return self._codes


class CodeDrawer:
    """Draws codes in bulk, their random parts uniform over the alphabet (no modulo bias).

    Random bytes at or above the largest multiple of the alphabet's size are dropped
    (rejection sampling); the others map to `alphabet[byte % size]`. Both steps run in C
    through `bytes.translate`, so ten thousand codes cost one `token_bytes` call or two. A
    sheet starts as its campaign's block (prefix, hyphen, room for the random characters,
    0x01) repeated, and the random characters go in by strided slice assignments, a byte
    column at a time: no Python code runs per code.
    """

    def __init__(self, code_format: CodeFormat, randomness: Randomness) -> None:
        size = len(code_format.alphabet)
        if not 1 < size <= 256 or not _CODE_TEXT.fullmatch(code_format.alphabet):
            raise ValueError(
                f"code alphabet must be 2 to 256 printable ASCII characters, not {code_format.alphabet!r}"
            )
        cutoff = 256 - 256 % size
        self._format = code_format
        self._randomness = randomness
        self._rejected = bytes(range(cutoff, 256))
        self._table = bytes(ord(code_format.alphabet[b % size]) for b in range(256))
        self._accept_ratio = cutoff / 256
        self._blocks: dict[str, tuple[bytes, int]] = {}  # by slug: its block, where the randoms go

    def draw(self, slug: str, count: int) -> CodeSheet:
        """`count` codes for the campaign `slug` (not yet checked for uniqueness)."""
        block, start = self._blocks.get(slug) or self._block(slug)
        length = self._format.random_length
        characters = self._random_characters(count * length)
        blocks = bytearray(block * count)
        for offset in range(length):
            blocks[start + offset :: BLOCK] = characters[offset::length]
        return CodeSheet(bytes(blocks))

    def _block(self, slug: str) -> tuple[bytes, int]:
        """The campaign's block with zeros for the random characters, and where they start."""
        head = self._format.prefix(slug) + "-"
        if not _CODE_TEXT.fullmatch(head):
            raise ValueError(f"not a slug codes can be prefixed with: {slug!r}")
        randoms = self._format.random_length
        block = head.encode("ascii") + bytes(randoms) + _PADDING[len(head) + randoms]
        found = self._blocks[slug] = (block, len(head))
        return found

    def _random_characters(self, count: int) -> bytes:
        """`count` characters of the alphabet, each drawn uniformly."""
        pool = b""
        while len(pool) < count:
            missing = count - len(pool)
            raw = self._randomness.token_bytes(int(missing / self._accept_ratio) + 16)
            pool += raw.translate(None, self._rejected)
        return pool[:count].translate(self._table)


class CodeDigester:
    """A keyed 64-bit digest of a code, after trimming and upper-casing it (D5).

    The digest is the first 8 bytes of AES-256 over the code as one 16-byte block, as a
    CodeSheet holds it: the code, a 0x01 byte, then zeros (telling "AB" from "AB\0"). Under a
    secret key AES is a pseudorandom permutation, so the digest is a keyed pseudorandom
    function of the code: it cannot be turned back into a code, nor checked against the
    ~10^12 codes of a prefix, without the key. A sheet of codes goes through one AES call in
    ECB mode (AES on each block by itself, which is what is wanted here); hashing codes one
    by one in Python would cost ten times as much.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else os.urandom(32)
        # One encryptor for the digester's life: ECB carries nothing from block to block, and
        # whole blocks leave nothing buffered. Its lock is the digester's thread safety.
        self._encryptor = Cipher(algorithms.AES(self.key), modes.ECB()).encryptor()
        self._lock = threading.Lock()

    def digest(self, code: str) -> int | None:
        """The digest of a code as a client typed it; None if it is too long to be a code."""
        block = code.strip().upper().encode("utf-8", "surrogatepass")
        if len(block) > MAX_CODE_LENGTH:
            return None
        return self._encrypted(block + _PADDING[len(block)])[0]

    def digests(self, sheet: CodeSheet) -> array[int]:
        """The digests of a sheet's codes, in its order (an array: compact, and nothing for the GC)."""
        return self._encrypted(sheet.blocks)

    def _encrypted(self, blocks: bytes) -> array[int]:
        """The first 8 bytes, big-endian, of each 16-byte block encrypted."""
        with self._lock:
            words = array("Q", self._encryptor.update(blocks))
        if sys.byteorder == "little":
            words.byteswap()
        return words[::2]
