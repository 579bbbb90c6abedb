"""Fixtures for testing the conformance suite: running it against an app in process, and mitmproxy,
a recorder of HAR files integrators use.

mitmproxy comes from the package index the first time a run needs it, into a virtual environment of
its own (tests/conformance/.mitmproxy, ignored by git): its pins are not the suite's. Workers of
one run wait for each other's install.
"""

from __future__ import annotations

import fcntl
import subprocess
import venv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conformance_kit import SUITE_ARGUMENTS

from conformance import Report, evaluate


@pytest.fixture
def check_in_process() -> Callable[..., Report]:
    """Run the suite against an ASGI app in process, with extra command-line arguments."""

    def check(app: Any, *arguments: str, base: list[str] = SUITE_ARGUMENTS) -> Report:
        return evaluate([*base, *arguments], app=app, environ={})

    return check


MITMPROXY = "mitmproxy==11.0.2"
MITMPROXY_HOME = Path(__file__).with_name(".mitmproxy")


@pytest.fixture(scope="session")
def mitmdump() -> Path:
    """The mitmdump program of mitmproxy, installed once into its own environment."""
    program = MITMPROXY_HOME / "bin" / "mitmdump"
    stamp = MITMPROXY_HOME / ".installed"
    MITMPROXY_HOME.parent.mkdir(exist_ok=True)
    with open(MITMPROXY_HOME.with_suffix(".lock"), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another worker may be installing
        if not (stamp.is_file() and stamp.read_text() == MITMPROXY and program.is_file()):
            venv.EnvBuilder(clear=True, with_pip=True).create(MITMPROXY_HOME)
            installed = subprocess.run(
                [MITMPROXY_HOME / "bin" / "python", "-m", "pip", "install", "--quiet", MITMPROXY],
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert installed.returncode == 0, f"installing {MITMPROXY} failed: {installed.stderr[-2000:]}"
            stamp.write_text(MITMPROXY)
    return program
