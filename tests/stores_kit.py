"""Real engines for the tests: a fresh SQLite file or PostgreSQL schema for each test that asks.

PostgreSQL is the server `GAMIFYHOST_TEST_POSTGRESQL` names (`.ci/run` starts the distribution's
and sets it). Without it, the test session starts a throwaway cluster of its own from the
machine's PostgreSQL programs (`initdb`, `pg_ctl`), and removes it at the end. Without either,
every PostgreSQL test fails and says how to get one: no fake ever stands in.

Each test gets its own schema in that server (`search_path` in the store URL), dropped after
it, so tests in parallel never see each other's batches.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from mockserver.contract.fixtures import load_fixtures, plan_of
from mockserver.contract.spec import Spec, load_spec
from mockserver.domain.clock import Clock
from mockserver.domain.codes import Randomness
from mockserver.domain.service import Codes
from mockserver.stores import open_store, sqlite_path, sqlite_url

STORE_KINDS = ("memory", "sqlite", "postgresql")
DURABLE = ("sqlite", "postgresql")
ENVIRONMENT = "GAMIFYHOST_TEST_POSTGRESQL"
NO_POSTGRESQL = (
    f"these tests need PostgreSQL: set {ENVIRONMENT}=postgresql://USER:PASS@HOST:PORT/DB "
    "(a role that may create schemas), or install PostgreSQL's programs "
    "(Debian: apt-get install postgresql) so that the tests start a throwaway server"
)


def postgresql_url() -> str:
    """The server the tests use; fails (never skips) without one."""
    url = os.environ.get(ENVIRONMENT)
    assert url, NO_POSTGRESQL
    return url


def with_schema(url: str, schema: str) -> str:
    """`url` with `schema` as its search path: everything the store makes goes there."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextlib.contextmanager
def postgresql_schema() -> Iterator[str]:
    """A store URL on a new, empty schema of the test server, dropped afterwards."""
    import psycopg

    url = postgresql_url()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@contextlib.contextmanager
def fresh_store(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty store of `kind` (a SQLite file goes in `folder`)."""
    if kind == "memory":
        yield "memory"
    elif kind == "sqlite":
        yield sqlite_url(folder / "state.db")
    elif kind == "postgresql":
        with postgresql_schema() as url:
            yield url
    else:
        raise ValueError(kind)


# -- a throwaway server, for machines that have PostgreSQL's programs but no server set up -------


def _programs() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


class ThrowawayServer:
    """A PostgreSQL cluster in a temporary directory, on a free loopback port, for one test session.

    `network`, a subnet such as containers' (10.88.0.0/16), is let in as well: the server then
    listens on every address, and answers loopback and that subnet only."""

    def __init__(self, network: str | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="gamifyhost-pg-"))
        self.bin: Path | None = _programs()
        self.url: str | None = None
        self.network = network

    def _as_owner(self, *argv: str) -> list[str]:
        # initdb refuses to run as root: as root, the cluster belongs to the `postgres` user.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return list(argv)

    def start(self) -> str | None:
        if self.bin is None:
            return None
        from mockserver.kit.serving import free_port

        data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.folder.chmod(0o700)
        port = free_port()
        subprocess.run(
            self._as_owner(
                str(self.bin / "initdb"), "-D", str(data), "-U", "gamifyhost", "--auth=trust", "-E", "UTF8"
            ),
            check=True,
            capture_output=True,
        )
        listen = "127.0.0.1"
        if self.network is not None:
            listen = "*"
            with (data / "pg_hba.conf").open("a") as rules:
                rules.write(f"host all all {self.network} trust\n")
        options = f"-p {port} -k {self.folder} -c listen_addresses={listen} -c fsync=on"
        pg_ctl = str(self.bin / "pg_ctl")
        start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"]
        subprocess.run(self._as_owner(*start), check=True, capture_output=True)
        self.url = f"postgresql://gamifyhost@127.0.0.1:{port}/postgres"
        return self.url

    def stop(self) -> None:
        if self.url is not None and self.bin is not None:
            stop = [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"]
            subprocess.run(self._as_owner(*stop), capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


# -- the domain over a store, without HTTP ------------------------------------------------------


@functools.cache
def _spec() -> Spec:
    return load_spec()


def domain(
    url: str = "memory",
    *,
    clock: Clock | None = None,
    randomness: Randomness | None = None,
    fixtures: Path | None = None,
) -> Codes:
    """`Codes` on the bundled (or given) fixtures over the store at `url`, installed."""
    spec = _spec()
    codes = Codes(
        open_store(url),
        spec.code_format,
        plan_of(load_fixtures(fixtures, spec)),
        clock=clock,
        randomness=randomness,
    )
    codes.install()
    return codes


def execute(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one SQL statement on a store's own database, as an operator would; the rows it returns."""
    if url.startswith("sqlite:"):
        connection = sqlite3.connect(sqlite_path(url), isolation_level=None)
        try:
            return connection.execute(statement).fetchall()
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []
