"""Bodies as they crossed the wire, made readable: base64 undone, compression undone."""

from __future__ import annotations

import zlib

try:  # optional: a HAR or an upstream may carry brotli, which the standard library cannot read
    import brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - brotli is a dependency of the package
    brotli = None


def decompressed(content: bytes, encoding: str) -> bytes:
    """`content` without its Content-Encoding (gzip, deflate, br); as it is when it is not encoded
    that way after all (a tool that saved it decoded kept the header)."""
    for coding in reversed([part.strip().lower() for part in encoding.split(",") if part.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                content = zlib.decompress(content, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    content = zlib.decompress(content)
                except zlib.error:
                    content = zlib.decompress(content, -zlib.MAX_WBITS)
            elif coding == "br" and brotli is not None:
                content = brotli.decompress(content)
        except Exception:  # zlib.error, brotli.error: saved decoded already
            return content
    return content
