"""`gamifyhost-mock`: serve the mock on the bundled fixtures or your own."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import signal
import socket
import ssl
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ..fixtures import DEFAULT_FIXTURES, FixtureError
from ..http.faults import MAX_DELAY_MS
from ..stores import StoreError, sqlite_url, store_kind
from ..timestamps import parse_timestamp

WORKER_ARGUMENTS = "GAMIFYHOST_MOCK_WORKER_ARGUMENTS"


def bounded(kind: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    """An argparse type: `kind` of the text, from `low` to `high`."""

    def read(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a valid {kind.__name__}: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g}")
        return value

    return read


def instant(text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 date-time: {text!r}") from None


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="gamifyhost-mock",
        description="A stateful mock server of the GamifyHost codes API.",
    )
    cli.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    cli.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    cli.add_argument(
        "--fixtures",
        metavar="PATH",
        default=None,
        help=f"YAML fixtures file or directory (default: the bundled {DEFAULT_FIXTURES.name}/)",
    )
    cli.add_argument("--no-access-log", action="store_true", help="do not log one line per request")
    cli.add_argument("--no-admin", action="store_true", help="turn the admin API under /__mock/ off (404)")
    cli.add_argument("--seed", type=int, metavar="N", help="draw codes, ids and failures from seed N")
    cli.add_argument("--freeze-time", type=instant, metavar="T", help="stop the clock at T (RFC 3339)")
    cli.add_argument(
        "--latency-ms",
        type=bounded(int, 0, MAX_DELAY_MS),
        default=0,
        metavar="N",
        help="add N milliseconds to every GamifyHost request",
    )
    cli.add_argument(
        "--error-rate",
        type=bounded(float, 0, 1),
        default=0.0,
        metavar="P",
        help="answer this share (0 to 1) of GamifyHost requests with 503",
    )
    cli.add_argument(
        "--store",
        metavar="URL",
        default=None,
        help="where the state lives: memory (the default); a SQLite file, kept across restarts and "
        "crashes: sqlite:///state.db is ./state.db, sqlite:////var/lib/mock/state.db an absolute path "
        "(as SQLAlchemy reads them); or postgresql://USER:PASS@HOST:PORT/DB (shared by every mock pointed "
        "at it)",
    )
    cli.add_argument(
        "--state-file",
        metavar="PATH",
        help="keep the state in this SQLite file (relative to the current directory, or absolute)",
    )
    cli.add_argument(
        "--workers",
        type=bounded(int, 1, 64),
        default=1,
        metavar="N",
        help="serve from N processes (needs --store sqlite or postgresql: they share its state)",
    )
    cli.add_argument("--ssl-certfile", metavar="FILE", help="serve HTTPS with this PEM certificate (chain)")
    cli.add_argument("--ssl-keyfile", metavar="FILE", help="the private key of --ssl-certfile (PEM)")
    return cli


def tls_of(args: argparse.Namespace) -> dict[str, str]:
    """uvicorn's TLS options, once the certificate and its key are known to load together."""
    if args.ssl_certfile is None and args.ssl_keyfile is None:
        return {}
    if args.ssl_certfile is None or args.ssl_keyfile is None:
        raise UsageError("HTTPS needs both --ssl-certfile and --ssl-keyfile")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            args.ssl_certfile, args.ssl_keyfile
        )
    except (OSError, ssl.SSLError) as error:
        raise UsageError(
            f"cannot serve HTTPS with {args.ssl_certfile} and {args.ssl_keyfile}: {error.strerror or error}"
        ) from None
    return {"ssl_certfile": args.ssl_certfile, "ssl_keyfile": args.ssl_keyfile}


def store_of(args: argparse.Namespace) -> str:
    """The --store URL the command line means (--state-file is a SQLite store)."""
    if args.state_file is not None:
        if args.store is not None:
            raise UsageError("give --store or --state-file, not both")
        return sqlite_url(args.state_file)
    return args.store or "memory"


class UsageError(Exception):
    """Options that do not go together."""


def build_app(args: argparse.Namespace, *, announce: bool = True) -> Any:
    """The app the parsed command line describes; it says where it is once it listens."""
    from ..http.app import create_app, where_to_find

    app = create_app(
        args.fixtures,
        seed=args.seed,
        freeze_time=args.freeze_time,
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        admin=not args.no_admin,
        store=store_of(args),
    )
    if announce:
        app.state.announce = tuple(where_to_find(base_url(args), admin=not args.no_admin))
    return app


def base_url(args: argparse.Namespace) -> str:
    """The URL a person on this machine reaches the mock at."""
    scheme = "https" if args.ssl_certfile else "http"
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(args.host, args.host)
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{scheme}://{host}:{args.port}"


def worker_app() -> Any:
    """The app of one of --workers N processes: the command line comes through the environment.

    The main process says where the mock is, once, for all of them."""
    return build_app(parser().parse_args(json.loads(os.environ[WORKER_ARGUMENTS])), announce=False)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(arguments)
    import uvicorn

    from ..http.logs import log_config
    from ..http.protocol import BoundedHttpToolsProtocol

    try:
        store = store_of(args)
        if args.workers > 1 and store_kind(store) == "memory":
            raise UsageError(
                "--workers needs a store the processes share: --store sqlite:///state.db or "
                "postgresql://...; "
                "the memory store lives in one process"
            )
        tls = tls_of(args)
        check_listenable(args.host, args.port)
        app = build_app(args)  # in this process too: a bad option or store is said once, here
    except UsageError as error:
        print(f"gamifyhost-mock: {error}", file=sys.stderr)
        return 2
    except FixtureError as error:
        print(f"gamifyhost-mock: bad fixtures: {error}", file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"gamifyhost-mock: bad store: {error}", file=sys.stderr)
        return 2
    common: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "access_log": not args.no_access_log,
        "log_config": log_config(),
        "http": BoundedHttpToolsProtocol,
        **tls,
    }
    # uvicorn shuts down gracefully on SIGTERM (in-flight requests finish, the store is closed),
    # then raises the signal again: handled here, that ends the run like Ctrl-C does.
    signal.signal(signal.SIGTERM, _terminated)
    if args.workers > 1:
        app.state.codes.store.close()
        for line in app.state.announce:
            print(f"INFO:     {line}", file=sys.stderr, flush=True)
        os.environ[WORKER_ARGUMENTS] = json.dumps(arguments)
        with contextlib.suppress(Terminated):
            uvicorn.run(f"{__name__}:worker_app", factory=True, workers=args.workers, **common)
        return 0
    with contextlib.suppress(Terminated):
        uvicorn.run(app, **common)
    # Clients were told of each such write (a 503); the exit status tells whoever started the mock.
    failed, last = app.state.codes.store.failed_writes()
    if failed:
        print(
            f"gamifyhost-mock: the store {app.state.codes.store.name} could not keep {failed} "
            f"write{'s' if failed > 1 else ''}; the last failed with {last}",
            file=sys.stderr,
        )
        return 1
    return 0


def check_listenable(host: str, port: int) -> None:
    """Bind the address as uvicorn will, and let it go: a port already taken is said in one line,
    before the start-up lines say where the mock is."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        taken = error.errno == errno.EADDRINUSE
        hint = " (is a mock already running there? stop it, or choose another --port)" if taken else ""
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}{hint}") from None


class Terminated(Exception):
    """SIGTERM, raised again by uvicorn once it has shut down."""


def _terminated(_signal: int, _frame: object) -> None:
    raise Terminated
