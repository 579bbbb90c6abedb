"""The mock served in-process on a free loopback port: `running()`, and the handle it yields."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..contract.fixtures import Fixtures, load_fixtures, partner_id
from ..domain.records import Environment
from ..http.app import create_app
from .admin_client import TOKEN_VARIABLE, AdminClient, AdminError
from .serving import serve_in_thread

SHARED_WAIT = 15.0  # seconds a shared mock may take to answer: it may have been started just before


@dataclass(frozen=True)
class FixtureKey:
    """A secret of the fixtures and what it reaches."""

    partner: str
    environment: str  # TEST or LIVE
    secret: str
    usable: bool  # False: revoked, or its application is not active (403)


def fixture_keys(fixtures: Fixtures) -> tuple[FixtureKey, ...]:
    return tuple(
        FixtureKey(
            partner=partner["name"],
            environment=Environment.of_secret(key["secret"]).value,  # type: ignore[union-attr]
            secret=key["secret"],
            usable=application.get("active", True) and not key.get("revoked", False),
        )
        for partner in fixtures.partners
        for application in partner["applications"]
        for key in application["keys"]
    )


class Secrets(dict[str, str]):
    """Secrets by name; a name not there says which are, and why none may be."""

    def __init__(self, why_none: str = "") -> None:
        super().__init__()
        self.why_none = why_none

    def __missing__(self, name: str) -> str:
        known = ", ".join(sorted(self)) or "none"
        raise KeyError(f"{name!r}: the secrets known here are {known}. {self.why_none}".strip())


class RunningMock(AdminClient):
    """A mock being served: its `base_url`, the fixtures' secrets, and the admin API's calls.

    `secrets["acme_test"]` is the first usable secret of partner Acme in TEST (partner names
    lower-cased, runs of other characters as `_`); `keys` lists every secret, unusable ones too.
    `shared` is true for a mock this process did not start (other processes may use it).
    """

    def __init__(
        self,
        base_url: str,
        keys: tuple[FixtureKey, ...],
        *,
        shared: bool = False,
        why_none: str = "",
        token: str | None = None,
    ) -> None:
        super().__init__(base_url, token=token)
        self.keys = keys
        self.shared = shared
        self.secrets = Secrets(why_none)
        for key in keys:
            if key.usable:
                name = re.sub(r"[^a-z0-9]+", "_", key.partner.lower()).strip("_")
                self.secrets.setdefault(f"{name}_{key.environment.lower()}", key.secret)


def shared_mock(
    base_url: str,
    fixtures: Path | str | None = None,
    wait: float = SHARED_WAIT,
    *,
    token: str | None = None,
) -> RunningMock:
    """The mock already running at `base_url`, once it answers (it may still be starting).

    Its secrets are known when it serves the fixtures named here (the bundled ones by default):
    every partner of them is among its partners. Otherwise only tenants give a test secrets.
    `token` is its admin token, if it has one (by default, GAMIFYHOST_MOCK_ADMIN_TOKEN's).
    """
    admin = AdminClient(base_url, timeout=2, token=token)
    deadline = time.monotonic() + wait
    while True:
        try:
            partners = {partner["id"] for partner in admin.partners()}
            break
        except AdminError as error:
            if error.status == 401:
                said = "refuses the admin token given" if admin.token else "asks for its admin token"
                raise RuntimeError(
                    f"the mock at {base_url} {said}: pass --gamifyhost-mock-admin-token TOKEN to pytest, "
                    f"or set {TOKEN_VARIABLE}, to the token it was started with"
                ) from None
            failure: Exception = error
        except OSError as error:
            failure = error
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"no GamifyHost mock answers at {base_url}/__mock/ ({failure}): start one "
                "(gamifyhost-mock --port PORT) or check the URL; its admin API must be on"
            ) from None
        time.sleep(0.1)
    from ..contract.spec import load_spec

    loaded = load_fixtures(Path(fixtures) if fixtures is not None else None, load_spec())
    if {partner_id(partner) for partner in loaded.partners} <= partners:
        return RunningMock(base_url, fixture_keys(loaded), shared=True, token=admin.token)
    why = (
        f"The mock at {base_url} does not serve the fixtures {', '.join(map(str, loaded.sources))}; "
        "name its fixtures in gamifyhost_mock_options, or use the gamifyhost_tenant fixture."
    )
    return RunningMock(base_url, (), shared=True, why_none=why, token=admin.token)


@contextlib.contextmanager
def running(
    fixtures: Path | str | None = None,
    *,
    seed: int | None = None,
    freeze_time: datetime | str | None = None,
    latency_ms: int = 0,
    error_rate: float = 0.0,
    store: str = "memory",
    admin_token: str | None = None,
) -> Iterator[RunningMock]:
    """Serve a fresh mock (admin API on) on a free loopback port until the block ends.

    `store` is what `--store` takes: `memory`, `sqlite:///PATH` (relative to the current directory;
    `sqlite:////PATH` absolute) or `postgresql://...`. With `admin_token`, its admin API asks for
    that token, and the handle yielded sends it.
    """
    app = create_app(
        fixtures,
        seed=seed,
        freeze_time=freeze_time,
        latency_ms=latency_ms,
        error_rate=error_rate,
        store=store,
        admin_token=admin_token,
    )
    with serve_in_thread(app) as base_url:
        yield RunningMock(base_url, fixture_keys(app.state.fixtures), token=admin_token)
