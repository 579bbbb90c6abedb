"""`gamifyhost-mock`: serve the mock on the bundled fixtures or your own."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..contract.fixtures import DEFAULT_FIXTURES, FixtureError
from ..contract.timestamps import parse_timestamp
from ..http.faults import MAX_DELAY_MS
from ..stores import StoreError, sqlite_url, store_kind

WORKER_ARGUMENTS = "GAMIFYHOST_MOCK_WORKER_ARGUMENTS"
# Every option can be set by a variable too: --an-option is GAMIFYHOST_MOCK_AN_OPTION.
VARIABLE_PREFIX = "GAMIFYHOST_MOCK_"
TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})
SECRET_OPTIONS = frozenset({"admin_token"})  # never echoed in a message
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


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


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a valid int: {text!r}") from None


def instant(text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 date-time: {text!r}") from None


def admin_token(text: str) -> str:
    from ..http.admin_token import AdminToken

    try:
        AdminToken(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="gamifyhost-mock",
        description="A stateful mock server of the GamifyHost codes API.",
        epilog=f"Every option can also be set by the variable in brackets ({VARIABLE_PREFIX} and its name), "
        "as containers are configured: an option given on the command line wins over its variable, "
        "and an empty variable counts as unset. A switch's variable is 1, true, yes or on (0, false, no, "
        "off for the default).",
    )
    cli.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    cli.add_argument(
        "--port", type=bounded(int, 0, 65535), default=8000, help="port to listen on (default: %(default)s)"
    )
    cli.add_argument(
        "--fixtures",
        metavar="PATH",
        default=None,
        help=f"YAML fixtures file or directory (default: the bundled {DEFAULT_FIXTURES.name}/)",
    )
    cli.add_argument("--no-access-log", action="store_true", help="do not log one line per request")
    cli.add_argument("--no-admin", action="store_true", help="turn the admin API under /__mock/ off (404)")
    cli.add_argument(
        "--admin-token",
        type=admin_token,
        metavar="TOKEN",
        help="the admin API under /__mock/ then asks for the header Authorization: Bearer TOKEN "
        "(give it by its variable: a command line is seen by every user of the machine)",
    )
    cli.add_argument("--seed", type=integer, metavar="N", help="draw codes, ids and failures from seed N")
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
    for action in options(cli):
        action.help = f"{action.help} [{variable_of(action)}]"
    return cli


def options(cli: argparse.ArgumentParser) -> list[argparse.Action]:
    """The options that a variable can set: all but --help."""
    return [action for action in cli._actions if action.option_strings and action.dest != "help"]


def variable_of(action: argparse.Action) -> str:
    return VARIABLE_PREFIX + action.option_strings[-1].lstrip("-").upper().replace("-", "_")


def parse(arguments: Sequence[str], environ: Mapping[str, str] | None = None) -> argparse.Namespace:
    """The command line over the variables: each variable set is its option's default, so a flag
    given wins. A bad variable is a UsageError naming it. `args.from_variables` names the options
    that a variable set and no flag."""
    environ = os.environ if environ is None else environ
    cli = parser()
    from_variables: dict[str, Any] = {}
    for action in options(cli):
        name = variable_of(action)
        text = environ.get(name, "")
        if text == "":
            continue
        try:
            from_variables[action.dest] = value_of(action, text)
        except (argparse.ArgumentTypeError, ValueError) as error:
            shown = "(not shown)" if action.dest in SECRET_OPTIONS else repr(text)
            raise UsageError(f"bad {name}={shown}: {error}") from None
    cli.set_defaults(**from_variables)
    args = cli.parse_args(arguments)
    args.from_variables = set(from_variables) - flags_given(arguments)
    return args


def value_of(action: argparse.Action, text: str) -> Any:
    """What the option's flag would set for the text of its variable."""
    if isinstance(action, argparse._StoreTrueAction):
        word = text.strip().lower()
        if word not in TRUE | FALSE:
            raise ValueError(f"a switch is one of {', '.join(sorted(TRUE))} (or {', '.join(sorted(FALSE))})")
        return word in TRUE
    return action.type(text) if callable(action.type) else text


def flags_given(arguments: Sequence[str]) -> set[str]:
    """The options named on the command line (argparse's defaults suppressed, so only those)."""
    cli = parser()
    for action in options(cli):
        action.default = argparse.SUPPRESS
        action.required = False
    known, _rest = cli.parse_known_args(arguments)
    return set(vars(known))


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
    """The --store URL the command line means (--state-file is a SQLite store). A flag wins over a
    variable: --state-file on the command line over GAMIFYHOST_MOCK_STORE, --store over
    GAMIFYHOST_MOCK_STATE_FILE."""
    from_variables = getattr(args, "from_variables", set())
    if args.state_file is not None and args.store is not None:
        if "store" in from_variables and "state_file" not in from_variables:
            return sqlite_url(args.state_file)
        if "state_file" in from_variables and "store" not in from_variables:
            return args.store
        raise UsageError("give --store or --state-file, not both")
    if args.state_file is not None:
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
        admin_token=args.admin_token,
        store=store_of(args),
    )
    if announce:
        app.state.announce = tuple(
            where_to_find(
                base_url(args),
                admin=not args.no_admin,
                token=args.admin_token is not None,
                store=app.state.codes.store.name,
            )
        )
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
    return build_app(parse(json.loads(os.environ[WORKER_ARGUMENTS])), announce=False)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse(arguments)
    except UsageError as error:
        print(f"gamifyhost-mock: {error}", file=sys.stderr)
        return 2
    import uvicorn

    from ..http.logs import log_config
    from ..http.protocol import BoundedHttpToolsProtocol

    try:
        store = store_of(args)
        if args.workers > 1 and store_kind(store) == "memory":
            raise UsageError(
                "--workers (GAMIFYHOST_MOCK_WORKERS) needs a store the processes share: --store "
                "(GAMIFYHOST_MOCK_STORE) sqlite:///state.db or postgresql://...; the memory store lives "
                "in one process"
            )
        tls = tls_of(args)
        check_listenable(args.host, args.port)
        app = build_app(args)  # in this process too: a bad option or store is said once, here
        warning = open_admin_warning(args)
        if warning:
            print(f"gamifyhost-mock: warning: {warning}", file=sys.stderr, flush=True)
    except UsageError as error:
        print(f"gamifyhost-mock: {error}", file=sys.stderr)
        return 2
    except FixtureError as error:
        print(f"gamifyhost-mock: bad {given_as(args, 'fixtures')}: {error}", file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"gamifyhost-mock: bad {given_as(args, 'state_file', 'store')}: {error}", file=sys.stderr)
        return 2
    for line in unknown_variables(os.environ):
        print(f"gamifyhost-mock: warning: {line}", file=sys.stderr, flush=True)
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


def given_as(args: argparse.Namespace, *dests: str) -> str:
    """How the first of these options that was given was given: its variable, with the value,
    when a variable gave it (a container's user then knows which to fix); else its name."""
    for dest in dests:
        if getattr(args, dest, None) is None:
            continue
        if dest in getattr(args, "from_variables", ()):
            action = next(action for action in options(parser()) if action.dest == dest)
            return f"{variable_of(action)}={getattr(args, dest)!r}"
        return dest.replace("_", " ") if dest != "state_file" else "store"
    return dests[-1].replace("_", " ")


# Variables of this prefix that are not options: the pytest plugin's, and the workers' own.
OTHER_VARIABLES = frozenset({"GAMIFYHOST_MOCK_URL", WORKER_ARGUMENTS})


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A line for each GAMIFYHOST_MOCK_ variable that sets nothing (a misspelt one, say)."""
    known = {variable_of(action) for action in options(parser())}
    lines = []
    for name in sorted(environ):
        if name.startswith(VARIABLE_PREFIX) and name not in known | OTHER_VARIABLES:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (gamifyhost-mock --help lists them)"
            lines.append(f"{name} is not a variable of gamifyhost-mock and sets nothing{hint}")
    return lines


def open_admin_warning(args: argparse.Namespace) -> str | None:
    """What to say when anyone who reaches the port may drive the admin API: the mock listens
    beyond loopback, with the admin API on and no token."""
    if args.no_admin or args.admin_token is not None or is_loopback(args.host):
        return None
    return (
        f"the admin API under /__mock/ is open to anyone who reaches {args.host}:{args.port} "
        "(reset, the clock, partners, keys and campaigns): set --admin-token or "
        "GAMIFYHOST_MOCK_ADMIN_TOKEN, or turn it off with --no-admin"
    )


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


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
