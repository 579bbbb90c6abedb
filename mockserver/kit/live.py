"""The mock served in-process on a free loopback port: `running()`, and the handle it yields."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.records import Environment
from ..fixtures import Fixtures
from ..http.app import create_app
from .admin_client import AdminClient
from .serving import serve_in_thread


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


class RunningMock(AdminClient):
    """A mock being served: its `base_url`, the fixtures' secrets, and the admin API's calls.

    `secrets["acme_test"]` is the first usable secret of partner Acme in TEST (partner names
    lower-cased, runs of other characters as `_`); `keys` lists every secret, unusable ones too.
    """

    def __init__(self, base_url: str, keys: tuple[FixtureKey, ...]) -> None:
        super().__init__(base_url)
        self.keys = keys
        self.secrets: dict[str, str] = {}
        for key in keys:
            if key.usable:
                name = re.sub(r"[^a-z0-9]+", "_", key.partner.lower()).strip("_")
                self.secrets.setdefault(f"{name}_{key.environment.lower()}", key.secret)


@contextlib.contextmanager
def running(
    fixtures: Path | str | None = None,
    *,
    seed: int | None = None,
    freeze_time: datetime | str | None = None,
    latency_ms: int = 0,
    error_rate: float = 0.0,
    store: str = "memory",
) -> Iterator[RunningMock]:
    """Serve a fresh mock (admin API on) on a free loopback port until the block ends.

    `store` is what `--store` takes: `memory`, `sqlite:///PATH` (relative to the current directory;
    `sqlite:////PATH` absolute) or `postgresql://...`.
    """
    app = create_app(
        fixtures,
        seed=seed,
        freeze_time=freeze_time,
        latency_ms=latency_ms,
        error_rate=error_rate,
        store=store,
    )
    with serve_in_thread(app) as base_url:
        yield RunningMock(base_url, fixture_keys(app.state.fixtures))
