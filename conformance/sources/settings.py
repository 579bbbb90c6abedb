"""What a conformance run judges and how carefully: one `Settings` from options and environment.

Three sources of traffic take the same inputs: an active run (--base-url: the suite sends its
own requests), recorded traffic (--har FILE: nothing is sent), and the proxy (--proxy HOST:PORT
in front of --base-url). The secrets given declare whose each one is, for every source.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from ..judge.operations import BY_NAME, DEFAULT_OPERATION_NAMES, INFERRED, parse_operation_names
from ..judge.roles import API, FOREIGN, INACTIVE, OTHER_ENV, REVOKED, SECRET_PREFIXES, Roles


@dataclass(frozen=True)
class Input:
    """An input of a run: its option, its environment variable, its metavar and what it is for."""

    name: str  # the Settings field
    metavar: str
    help: str
    variable: str | None = None  # GAMIFYHOST_... ; None for options with no variable
    secret: bool = False  # masked in everything the suite writes

    @property
    def option(self) -> str:
        return f"--{self.name.replace('_', '-')}"

    def describe(self) -> str:
        return f"{self.help} [{self.variable}]" if self.variable else self.help


INPUTS: tuple[Input, ...] = (
    Input(
        "base_url",
        "URL",
        "base URL of the implementation under test (with --proxy: where requests are forwarded)",
        "GAMIFYHOST_BASE_URL",
    ),
    Input(
        "api_secret", "KEY", "an X-API-Secret that owns the campaign --slug", "GAMIFYHOST_API_SECRET", True
    ),
    Input(
        "slug",
        "SLUG",
        "an active test campaign the secret owns (checks of fresh codes need it active)",
        "GAMIFYHOST_SLUG",
    ),
    Input(
        "foreign_slug",
        "SLUG",
        "a campaign of another partner or environment, which the secret must not reach",
        "GAMIFYHOST_FOREIGN_SLUG",
    ),
    Input(
        "foreign_secret",
        "KEY",
        "a secret of another partner: the run's codes and batches must be invisible to it",
        "GAMIFYHOST_FOREIGN_SECRET",
        True,
    ),
    Input(
        "other_env_secret",
        "KEY",
        "the same partner's secret of the other environment, used read-only: the run's codes and "
        "batches must be invisible to it",
        "GAMIFYHOST_OTHER_ENV_SECRET",
        True,
    ),
    Input(
        "revoked_secret",
        "KEY",
        "a revoked secret: every operation must answer 403 API key has been revoked",
        "GAMIFYHOST_REVOKED_SECRET",
        True,
    ),
    Input(
        "inactive_secret",
        "KEY",
        "a secret of an application that is not active: every operation must answer 403",
        "GAMIFYHOST_INACTIVE_SECRET",
        True,
    ),
    Input(
        "ended_slug",
        "SLUG",
        "a campaign of the secret whose end date has passed (a code of it is generated, if the target lets)",
        "GAMIFYHOST_ENDED_SLUG",
    ),
    Input(
        "paused_slug",
        "SLUG",
        "a paused campaign of the secret (a code of it is generated, if the target lets)",
        "GAMIFYHOST_PAUSED_SLUG",
    ),
    Input(
        "operations",
        "NAMES",
        f"comma-separated subset of {','.join(BY_NAME)} (default: the documented "
        f"{','.join(DEFAULT_OPERATION_NAMES)}; "
        + ", ".join(name for name in BY_NAME if name not in DEFAULT_OPERATION_NAMES)
        + f" only when named: {INFERRED})",
    ),
    Input(
        "max_batch_size",
        "N",
        "no request asks for more codes, even from a target that ignored validation (default 5 for "
        "remote targets, 100 for local ones); the 10,000 and 10,001 boundary checks need 10001",
    ),
    Input("max_examples", "N", "generated requests per operation when fuzzing (default 10 remote, 25 local)"),
    Input("workers", "N", "requests in flight at once where their order does not matter (default 8)"),
    Input("seed", "N", "seed of the generated requests, to replay a run"),
    Input("html", "PATH", "also write the report as one self-contained HTML page"),
    Input("junit_xml", "PATH", "also write a junit XML report"),
    Input("json", "PATH", "also write the report as JSON: verdict, counts, violations, rules"),
)
BY_INPUT = {item.name: item for item in INPUTS}
SECRET_INPUTS = tuple(item for item in INPUTS if item.secret)
READ_ONLY_HELP = "create nothing: no generate or redeem request at all (probes that need one are skipped)"
SOLE_CLIENT_HELP = (
    "with --har or --proxy: declare this traffic all the traffic of the campaigns it touches while it "
    "lasts (nobody else generates, redeems or revokes meanwhile): the codes it sees generated are "
    "then held to what it sees of them, and counts to exactly what it sees happen"
)
RECORD_HELP = (
    "with --proxy: also write what passes as a HAR file, entry by entry (secrets as sent, as in any "
    "HAR), for --har to judge again"
)
IN_PROCESS_URL = "http://testserver"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "testserver"})
# Remote targets get small batches and few examples: every request may reach production.
DEFAULT_MAX_BATCH_SIZE = {"local": 100, "remote": 5}
DEFAULT_MAX_EXAMPLES = {"local": 25, "remote": 10}
DEFAULT_WORKERS = 8
MAX_WORKERS = 32


class SettingsError(ValueError):
    """A missing or invalid option, said the way the command line spells it."""


ACTIVE, HAR, PROXY = "active", "har", "proxy"


@dataclass(frozen=True)
class Settings:
    """One run: the target, its campaigns and secrets, and the limits that keep the run safe."""

    base_url: str
    api_secret: str | None = field(repr=False)
    slug: str | None
    foreign_slug: str | None = None
    foreign_secret: str | None = field(default=None, repr=False)
    other_env_secret: str | None = field(default=None, repr=False)
    revoked_secret: str | None = field(default=None, repr=False)
    inactive_secret: str | None = field(default=None, repr=False)
    ended_slug: str | None = None
    paused_slug: str | None = None
    operations: tuple[str, ...] = DEFAULT_OPERATION_NAMES
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE["remote"]
    max_examples: int = DEFAULT_MAX_EXAMPLES["remote"]
    workers: int = DEFAULT_WORKERS
    seed: int | None = None
    read_only: bool = False
    sole_client: bool = False
    in_process: bool = False
    html: str | None = None
    junit_xml: str | None = None
    json: str | None = None
    mode: str = ACTIVE
    har: tuple[str, ...] = ()  # the HAR files to judge
    proxy: tuple[str, int] | None = None  # where the proxy listens
    record: str | None = None  # the HAR file the proxy writes of what it passed on

    @property
    def is_remote(self) -> bool:
        """Anything but an in-process app or a loopback host counts as production."""
        return not self.in_process and urlsplit(self.base_url).hostname not in LOCAL_HOSTS

    @property
    def kind(self) -> str:
        return "remote" if self.is_remote else "local"

    def selects(self, operation_name: str) -> bool:
        return operation_name in self.operations

    def secrets(self) -> dict[str, str]:
        """Every secret given, by the environment variable that stands for it in reports."""
        return {
            item.variable: value
            for item in SECRET_INPUTS
            if item.variable and (value := getattr(self, item.name))
        }

    def roles(self) -> Roles:
        """Whose each given secret is, for the judge."""
        by_role = {
            API: "api_secret",
            FOREIGN: "foreign_secret",
            OTHER_ENV: "other_env_secret",
            REVOKED: "revoked_secret",
            INACTIVE: "inactive_secret",
        }
        return Roles.of(
            {role: (BY_INPUT[name].variable or name, getattr(self, name)) for role, name in by_role.items()}
        )

    def slugs(self) -> dict[str, str]:
        """The state or owner of each campaign given, for the judge."""
        given = {self.ended_slug: "ended", self.paused_slug: "paused", self.foreign_slug: "foreign"}
        return {slug: state for slug, state in given.items() if slug}


def resolve(
    options: Mapping[str, Any], environ: Mapping[str, str] | None = None, *, in_process: bool = False
) -> Settings:
    """Settings from option values (None when not given), falling back to GAMIFYHOST_* variables."""
    environ = os.environ if environ is None else environ

    def value(name: str) -> Any:
        given = options.get(name)
        variable = BY_INPUT[name].variable if name in BY_INPUT else None
        if given in (None, "") and variable:
            given = environ.get(variable) or None
        return given

    har, proxy = tuple(options.get("har") or ()), options.get("proxy")
    if har and proxy:
        raise SettingsError("give --har or --proxy, not both")
    if options.get("sole_client") and not (har or proxy):
        raise SettingsError("--sole-client speaks of recorded or proxied traffic: give --har or --proxy")
    mode = HAR if har else PROXY if proxy else ACTIVE
    if options.get("record") and mode != PROXY:
        raise SettingsError("--record writes what the proxy passes on: give it with --proxy")
    base_url = IN_PROCESS_URL if in_process else value("base_url")
    needed = {ACTIVE: ("base_url", "api_secret", "slug"), PROXY: ("base_url",), HAR: ()}[mode]
    given = {"base_url": base_url, "api_secret": value("api_secret"), "slug": value("slug")}
    missing = [
        f"{BY_INPUT[name].option} (or {BY_INPUT[name].variable})" for name in needed if not given[name]
    ]
    if missing:
        raise SettingsError(f"missing {', '.join(missing)}")
    if mode != HAR and urlsplit(base_url).scheme not in ("http", "https"):
        raise SettingsError(f"--base-url must be an http(s) URL, not {base_url!r}")
    try:
        operations = parse_operation_names(value("operations") or ",".join(DEFAULT_OPERATION_NAMES))
    except ValueError as error:
        raise SettingsError(f"--operations: {error}") from None
    draft = Settings(
        base_url=(base_url or "").rstrip("/"),
        api_secret=value("api_secret"),
        slug=value("slug"),
        foreign_slug=value("foreign_slug"),
        foreign_secret=value("foreign_secret"),
        other_env_secret=value("other_env_secret"),
        revoked_secret=value("revoked_secret"),
        inactive_secret=value("inactive_secret"),
        ended_slug=value("ended_slug"),
        paused_slug=value("paused_slug"),
        operations=operations,
        seed=_integer(value("seed"), "--seed", minimum=0),
        read_only=bool(value("read_only")),
        sole_client=bool(options.get("sole_client")),
        in_process=in_process,
        html=value("html"),
        junit_xml=value("junit_xml"),
        json=value("json"),
        mode=mode,
        har=har,
        proxy=_listen_address(proxy) if proxy else None,
        record=options.get("record") or None,
    )
    _check_secrets(draft)
    kind = draft.kind
    max_batch_size = _integer(value("max_batch_size"), "--max-batch-size", minimum=1)
    max_examples = _integer(value("max_examples"), "--max-examples", minimum=1)
    workers = _integer(value("workers"), "--workers", minimum=1, maximum=MAX_WORKERS)
    return replace(
        draft,
        max_batch_size=max_batch_size or DEFAULT_MAX_BATCH_SIZE[kind],
        max_examples=max_examples or DEFAULT_MAX_EXAMPLES[kind],
        workers=workers or DEFAULT_WORKERS,
    )


def _listen_address(text: str) -> tuple[str, int]:
    """HOST:PORT (or PORT alone, on 127.0.0.1) where the proxy listens."""
    host, _, port = str(text).rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise SettingsError(f"--proxy takes HOST:PORT (127.0.0.1:8080), not {text!r}")
    return (host.strip("[]") or "127.0.0.1", number)


def _check_secrets(settings: Settings) -> None:
    """Each secret different from the others; the other environment's of the other prefix."""
    given = [(item, getattr(settings, item.name)) for item in SECRET_INPUTS if getattr(settings, item.name)]
    seen: dict[str, str] = {}
    for item, secret in given:
        if secret in seen:
            raise SettingsError(f"{item.option} is the same secret as {seen[secret]}")
        seen[secret] = item.option
    other = settings.other_env_secret
    if other is not None and settings.api_secret is not None:
        own = next((prefix for prefix in SECRET_PREFIXES if settings.api_secret.startswith(prefix)), None)
        theirs = next((prefix for prefix in SECRET_PREFIXES if other.startswith(prefix)), None)
        if own is None or theirs is None or own == theirs:
            raise SettingsError(
                "--other-env-secret must be of the other environment than --api-secret "
                "(one sk_test_..., the other sk_live_...)"
            )


def _integer(given: Any, option: str, *, minimum: int, maximum: int | None = None) -> int | None:
    if given is None:
        return None
    try:
        number = int(given)
    except (TypeError, ValueError):
        raise SettingsError(f"{option} must be an integer, not {given!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise SettingsError(f"{option} must be {bound}, not {number}")
    return number
