"""Python 3.11 cannot compile in two threads at once: "SystemError: AST constructor recursion depth
mismatch" (CPython gh-106905, fixed in 3.12). A run generates requests with hypothesis, which
parses source to describe its strategies, while other threads send requests and import what
they need; for the run's length every compile() takes one lock."""

from __future__ import annotations

import builtins
import contextlib
import sys
import threading
from collections.abc import Iterator

_LOCK = threading.RLock()


@contextlib.contextmanager
def compiling_one_at_a_time() -> Iterator[None]:
    if sys.version_info >= (3, 12) or getattr(builtins.compile, "_one_at_a_time", False):
        yield
        return
    original = builtins.compile

    def compile(*args, **kwargs):  # type: ignore[no-untyped-def]
        with _LOCK:
            return original(*args, **kwargs)

    compile._one_at_a_time = True  # type: ignore[attr-defined]
    builtins.compile = compile
    try:
        yield
    finally:
        builtins.compile = original
