"""What a conformance run targets and how carefully: one `Settings` from options and environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from .operations import BY_NAME, DEFAULT_OPERATION_NAMES, INFERRED, parse_operation_names

ENVIRONMENT = {
    "base_url": "GAMIFYHOST_BASE_URL",
    "api_secret": "GAMIFYHOST_API_SECRET",
    "slug": "GAMIFYHOST_SLUG",
    "foreign_slug": "GAMIFYHOST_FOREIGN_SLUG",
}
# Every option of a run: its metavar and help, for the console script and the pytest plugin alike.
OPTIONS: dict[str, tuple[str, str]] = {
    "base_url": ("URL", "base URL of the implementation under test"),
    "api_secret": ("KEY", "an X-API-Secret that owns the campaign --slug"),
    "slug": ("SLUG", "an active test campaign the secret owns (checks of fresh codes need it active)"),
    "foreign_slug": ("SLUG", "a campaign the secret must not reach (403/404 checks skipped without it)"),
    "operations": (
        "NAMES",
        f"comma-separated subset of {','.join(BY_NAME)} (default: the documented "
        f"{','.join(DEFAULT_OPERATION_NAMES)}; "
        + ", ".join(name for name in BY_NAME if name not in DEFAULT_OPERATION_NAMES)
        + f" only when named: {INFERRED})",
    ),
    "max_batch_size": (
        "N",
        "largest batch the run asks for (default 5 for remote targets, 100 for local ones); "
        "below 10000 the 10000-code boundary check is skipped",
    ),
    "max_examples": ("N", "generated requests per operation when fuzzing (default 10 remote, 25 local)"),
    "seed": ("N", "seed of the generated requests, to replay a run"),
}
READ_ONLY_HELP = "create nothing: no generate or redeem request at all (checks that need one are skipped)"
IN_PROCESS_URL = "http://testserver"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "testserver"})
# Remote targets get small batches and few examples: every request may reach production.
DEFAULT_MAX_BATCH_SIZE = {"local": 100, "remote": 5}
DEFAULT_MAX_EXAMPLES = {"local": 25, "remote": 10}


def option_help(name: str) -> str:
    """The help of an option, naming its environment variable where it has one."""
    help_text = OPTIONS[name][1]
    return f"{help_text} [{ENVIRONMENT[name]}]" if name in ENVIRONMENT else help_text


class SettingsError(ValueError):
    """A missing or invalid option, said the way the command line spells it."""


@dataclass(frozen=True)
class Settings:
    """One run: the target, its campaigns, and the limits that keep the run safe."""

    base_url: str
    api_secret: str = field(repr=False)
    slug: str
    foreign_slug: str | None = None
    operations: tuple[str, ...] = DEFAULT_OPERATION_NAMES
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE["remote"]
    max_examples: int = DEFAULT_MAX_EXAMPLES["remote"]
    seed: int | None = None
    read_only: bool = False
    in_process: bool = False

    @property
    def is_remote(self) -> bool:
        """Anything but an in-process app or a loopback host counts as production."""
        return not self.in_process and urlsplit(self.base_url).hostname not in LOCAL_HOSTS

    @property
    def kind(self) -> str:
        return "remote" if self.is_remote else "local"

    def selects(self, operation_name: str) -> bool:
        return operation_name in self.operations


def resolve(
    options: Mapping[str, Any], environ: Mapping[str, str] | None = None, *, in_process: bool = False
) -> Settings:
    """Settings from option values (None when not given), falling back to GAMIFYHOST_* variables."""
    environ = os.environ if environ is None else environ

    def value(name: str) -> Any:
        given = options.get(name)
        if given in (None, "") and name in ENVIRONMENT:
            given = environ.get(ENVIRONMENT[name]) or None
        return given

    base_url = IN_PROCESS_URL if in_process else value("base_url")
    missing = [
        f"--{name.replace('_', '-')} (or {ENVIRONMENT[name]})"
        for name, given in (
            ("base_url", base_url),
            ("api_secret", value("api_secret")),
            ("slug", value("slug")),
        )
        if not given
    ]
    if missing:
        raise SettingsError(f"missing {', '.join(missing)}")
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise SettingsError(f"--base-url must be an http(s) URL, not {base_url!r}")
    try:
        operations = parse_operation_names(value("operations") or ",".join(DEFAULT_OPERATION_NAMES))
    except ValueError as error:
        raise SettingsError(f"--operations: {error}") from None
    draft = Settings(
        base_url=base_url.rstrip("/"),
        api_secret=value("api_secret"),
        slug=value("slug"),
        foreign_slug=value("foreign_slug"),
        operations=operations,
        seed=_integer(value("seed"), "--seed", minimum=0),
        read_only=bool(value("read_only")),
        in_process=in_process,
    )
    kind = draft.kind
    max_batch_size = _integer(value("max_batch_size"), "--max-batch-size", minimum=1)
    max_examples = _integer(value("max_examples"), "--max-examples", minimum=1)
    return replace(
        draft,
        max_batch_size=max_batch_size or DEFAULT_MAX_BATCH_SIZE[kind],
        max_examples=max_examples or DEFAULT_MAX_EXAMPLES[kind],
    )


def _integer(given: Any, option: str, *, minimum: int) -> int | None:
    if given is None:
        return None
    try:
        number = int(given)
    except (TypeError, ValueError):
        raise SettingsError(f"{option} must be an integer, not {given!r}") from None
    if number < minimum:
        raise SettingsError(f"{option} must be at least {minimum}, not {number}")
    return number
