"""pytest plugin, loaded through the `pytest11` entry point: `gamifyhost_mock` and `gamifyhost_tenant`.

One mock per test session, served on a free loopback port, or the mock already running at
`--gamifyhost-mock-url URL` (`GAMIFYHOST_MOCK_URL`), which pytest-xdist workers can share; a mock
started with an admin token is driven with `--gamifyhost-mock-admin-token TOKEN`
(`GAMIFYHOST_MOCK_ADMIN_TOKEN`, the variable the mock reads too).
`gamifyhost_mock` resets it to its fixtures before each test that asks for it;
`gamifyhost_tenant` never resets: it adds a partner of the test's own, so tests running at once
on one mock stay apart. Nothing starts, and nothing heavy is imported, unless a test asks. To
pass options of `mockserver.running` (fixtures, seed, freeze_time, ...), override the session
fixture `gamifyhost_mock_options` in a conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .live import RunningMock
    from .tenant import Tenant

URL_VARIABLE = "GAMIFYHOST_MOCK_URL"
TOKEN_VARIABLE = "GAMIFYHOST_MOCK_ADMIN_TOKEN"  # as admin_client's, which is not imported here: it is light


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gamifyhost-mock", "GamifyHost mock (the gamifyhost_mock fixtures)")
    group.addoption(
        "--gamifyhost-mock-url",
        dest="gamifyhost_mock_url",
        metavar="URL",
        help=f"use the mock running there instead of starting one (default: ${URL_VARIABLE})",
    )
    group.addoption(
        "--gamifyhost-mock-admin-token",
        dest="gamifyhost_mock_admin_token",
        metavar="TOKEN",
        help="the admin token of that mock, or of the one started here, which then asks for it "
        f"(default: ${TOKEN_VARIABLE})",
    )


@pytest.fixture(scope="session")
def gamifyhost_mock_options() -> dict[str, Any]:
    """Keyword arguments of `mockserver.running` for the session's mock; override to change them."""
    return {}


@pytest.fixture(scope="session")
def _gamifyhost_mock_server(
    request: pytest.FixtureRequest, gamifyhost_mock_options: dict[str, Any]
) -> Iterator[RunningMock]:
    from .live import running, shared_mock

    url = request.config.getoption("gamifyhost_mock_url") or os.environ.get(URL_VARIABLE)
    token = request.config.getoption("gamifyhost_mock_admin_token") or os.environ.get(TOKEN_VARIABLE) or None
    if url:
        # Its secrets are those of the fixtures it serves, if they are the ones named here.
        yield shared_mock(url, gamifyhost_mock_options.get("fixtures"), token=token)
        return
    with running(**{"admin_token": token, **gamifyhost_mock_options}) as mock:
        yield mock


@pytest.fixture
def gamifyhost_mock(_gamifyhost_mock_server: RunningMock, request: pytest.FixtureRequest) -> RunningMock:
    """A GamifyHost mock at `.base_url`, fresh from its fixtures; `.secrets["acme_test"]`, `.reset()`..."""
    workers = getattr(request.config, "workerinput", {}).get("workercount", 1)
    if workers > 1 and _gamifyhost_mock_server.shared:
        pytest.fail(
            f"gamifyhost_mock resets the mock at {_gamifyhost_mock_server.base_url} before the test, "
            f"and {workers} workers share it: give this test a partner of its own with the "
            "gamifyhost_tenant fixture, or run it without -n",
            pytrace=False,
        )
    _gamifyhost_mock_server.reset()
    return _gamifyhost_mock_server


@pytest.fixture
def gamifyhost_tenant(_gamifyhost_mock_server: RunningMock, request: pytest.FixtureRequest) -> Tenant:
    """A partner of this test's own on the session's mock: `.test_secret`, `.live_secret`, an active
    campaign `.slug` in both environments, and `.pause()`, `.end()`, `.activate()`, `.revoke_key()`."""
    from .tenant import new_tenant

    if "gamifyhost_mock" in request.fixturenames:
        request.getfixturevalue("gamifyhost_mock")  # its reset first: it would remove the tenant
    return new_tenant(_gamifyhost_mock_server, name=f"{request.node.name[:80]} {os.urandom(4).hex()}")
