"""`python -m mockserver` as a child process on a free port, for tests of the command itself."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from mockserver.kit.serving import free_port

START_TIMEOUT = 20.0


@contextlib.contextmanager
def mock_process(
    *argv: str, output: Path, scheme: str = "http", verify: Any = True, **popen: Any
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start the mock with `argv`, its stdout and stderr going to `output`; kill whatever is left.

    `scheme` is https when `argv` has TLS options, and `verify` what trusts its certificate;
    `popen` goes to subprocess.Popen (a `preexec_fn` that lowers a limit, say)."""
    port = free_port()
    with open(output, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "--port", str(port), *argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            **popen,
        )
        try:
            base_url = f"{scheme}://127.0.0.1:{port}"
            wait_until_up(process, base_url, output, verify)
            yield process, base_url
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def wait_until_up(process: subprocess.Popen[bytes], base_url: str, output: Path, verify: Any = True) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, output.read_text(encoding="utf-8", errors="replace")
        try:
            httpx.get(f"{base_url}/__mock/health", timeout=1, verify=verify)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"the mock did not start within {START_TIMEOUT:g} s"
            time.sleep(0.05)
