"""What the client tests share: the Node tools integrators use, installed once, and openapi-core.

The Node packages (tests/clients/node/package.json, locked) come from the npm registry the first
time a run needs them, into tests/clients/node/node_modules; workers of one run wait for each
other's install. Without Node.js and npm the tests fail, saying how to get them.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from clients_kit import NODE

from mockserver import create_app
from mockserver.kit.serving import serve_in_thread

NO_NODE = "these tests need Node.js 20 or later and npm (Debian: apt-get install nodejs npm)"


def _installed_for(lock: bytes) -> bool:
    stamp = NODE / "node_modules" / ".installed-from"
    return stamp.is_file() and stamp.read_text() == hashlib.sha256(lock).hexdigest()


@pytest.fixture(scope="session")
def node_bin() -> Path:
    """node_modules/.bin of tests/clients/node, installed from its lock file if it is not yet."""
    assert shutil.which("node") and shutil.which("npm"), NO_NODE
    lock = (NODE / "package-lock.json").read_bytes()
    with open(NODE / ".install.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another worker may be installing
        if not _installed_for(lock):
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=NODE,
                check=True,
                capture_output=True,
                timeout=600,
            )
            (NODE / "node_modules" / ".installed-from").write_text(hashlib.sha256(lock).hexdigest())
    return NODE / "node_modules" / ".bin"


@pytest.fixture
def mock_url() -> Iterator[str]:
    """A fresh mock on the bundled fixtures, over real HTTP."""
    with serve_in_thread(create_app()) as base_url:
        yield base_url
