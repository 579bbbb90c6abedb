"""Tests of the wheel as users install it: `tox -e wheel` builds it and installs it, not editable.

They run from a scratch directory, so `import mockserver` finds the installed package and never
the source tree, which they only read (its path comes in SOURCE_TREE).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import mockserver


def pytest_configure(config: pytest.Config) -> None:
    if "SOURCE_TREE" not in os.environ:
        raise pytest.UsageError("tests/installed run through `tox -e wheel`, which sets SOURCE_TREE")
    installed = Path(mockserver.__file__).resolve()
    if installed.is_relative_to(Path(os.environ["SOURCE_TREE"], "mockserver").resolve()):
        raise pytest.UsageError(f"mockserver comes from the source tree ({installed}), not from a wheel")


@pytest.fixture(scope="session")
def source_tree() -> Path:
    return Path(os.environ["SOURCE_TREE"]).resolve()


@pytest.fixture(scope="session")
def scripts() -> Path:
    """Where the environment's console scripts are."""
    return Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def mock_url(scripts: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`gamifyhost-mock` on its bundled fixtures, started as a user starts it."""
    port = free_port()
    log = tmp_path_factory.mktemp("mock") / "mock.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [scripts / "gamifyhost-mock", "--port", str(port), "--no-access-log"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gamifyhost-mock did not start within 30 s"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def run(command: list[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """A command in its own process, with none of this pytest run's variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GAMIFYHOST_"))}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
