"""Promo codes: drawing them from a CSPRNG, and the keyed digest the store keeps instead of them."""

from __future__ import annotations

import math
import os
import random
import sys
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TokenBytes = Callable[[int], bytes]
# A code and its padding fill one AES block (see CodeDigester).
MAX_CODE_LENGTH = 15
# Array typecodes by item size: 1, 2, 4 and 8 bytes.
_WORD_TYPECODES = {array(typecode).itemsize: typecode for typecode in "BHIQ"}
_PADDING = {length: "\x01" + "\x00" * (15 - length) for length in range(MAX_CODE_LENGTH + 1)}


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


class CodeDrawer:
    """Draws codes in bulk, their random parts uniform over the alphabet (no modulo bias).

    Random bytes at or above the largest multiple of the alphabet's size are dropped
    (rejection sampling); the others map to `alphabet[byte % size]`. Both steps run in C
    through `bytes.translate`, so ten thousand codes cost one `token_bytes` call or two. The
    codes are then laid out in one buffer by strided slice assignments, and split apart:
    no Python code runs per code.
    """

    def __init__(self, code_format: CodeFormat, randomness: Randomness) -> None:
        size = len(code_format.alphabet)
        if not 1 < size <= 256 or not code_format.alphabet.isascii():
            raise ValueError(f"code alphabet must have 2..256 ASCII characters, not {code_format.alphabet!r}")
        cutoff = 256 - 256 % size
        self._format = code_format
        self._randomness = randomness
        self._rejected = bytes(range(cutoff, 256))
        self._table = bytes(ord(code_format.alphabet[b % size]) for b in range(256))
        self._accept_ratio = cutoff / 256

    def draw(self, slug: str, count: int) -> list[str]:
        """`count` codes for the campaign `slug` (not yet checked for uniqueness)."""
        length = self._format.random_length
        chars = self._random_characters(count * length)
        # All the codes in one buffer, each as "\n" PREFIX "-" RANDOM, then split apart (a
        # slug, so a prefix, has no "\n"). The parts go in by strided slice assignments of
        # words as wide as the random part allows (8 bytes for 8 characters); NUL bytes fill
        # the head out to whole words, and go before the split.
        width = math.gcd(length, 8)
        head = ("\n" + self._format.prefix(slug) + "-").encode("ascii")
        padded = head.ljust(-(-len(head) // width) * width, b"\0")
        typecode = _WORD_TYPECODES[width]
        head_words, random_words = array(typecode, padded), array(typecode, chars)
        step = len(head_words) + length // width
        words = array(typecode, bytes(count * step * width))
        for offset, word in enumerate(head_words):
            words[offset::step] = array(typecode, [word]) * count
        for offset in range(length // width):
            words[len(head_words) + offset :: step] = random_words[offset :: length // width]
        text = words.tobytes()
        if len(padded) > len(head):
            text = text.translate(None, b"\0")
        return text[1:].decode("ascii").split("\n")

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

    The digest is the first 8 bytes of AES-256 over the code as one 16-byte block: the code,
    a 0x01 byte, then zeros (the padding tells "AB" from "AB\0"). Under a secret key AES is a
    pseudorandom permutation, so the digest is a keyed pseudorandom function of the code: it
    cannot be turned back into a code, nor checked against the ~10^12 codes of a prefix,
    without the key. All the codes of a batch go through one AES call in ECB mode (AES on
    each block by itself, which is what is wanted here); hashing them one by one in Python
    would cost ten times as much.
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
        return self._encrypted(block + _PADDING[len(block)].encode("ascii"))[0]

    def digests(self, normalised: list[str], *, length: int | None = None) -> list[int]:
        """Digests of codes already trimmed and upper-cased: ASCII, such as fresh ones.

        `length`, when the caller knows it, is that of every code (the codes of one draw all
        have the same length), and lets them all be padded at once.
        """
        if length is None:
            return [digest for code in normalised for digest in self.digests([code], length=len(code))]
        padding = _PADDING[length]
        try:
            blocks = (padding.join(normalised) + padding).encode("ascii") if normalised else b""
        except UnicodeEncodeError:
            raise ValueError("codes are ASCII") from None
        return self._encrypted(blocks)

    def _encrypted(self, blocks: bytes) -> list[int]:
        """The first 8 bytes, big-endian, of each 16-byte block encrypted."""
        with self._lock:
            words = array("Q", self._encryptor.update(blocks))
        if sys.byteorder == "little":
            words.byteswap()
        return words[::2].tolist()
