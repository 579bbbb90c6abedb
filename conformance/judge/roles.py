"""Whose secret a request carried, as far as the judge may know it.

The environment of a secret is its prefix: the docs say so, and nothing needs declaring. Who
owns a secret is only known where it is declared: `--api-secret` owns the campaigns under test,
`--foreign-secret` is another partner's, `--other-env-secret` the same partner's of the other
environment, `--revoked-secret` and `--inactive-secret` are refused. A secret an active probe
made up is nobody's. Two secrets of one environment that nobody declared may be anyone's: the
judge assumes nothing of them, but that each is its own holder's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

TEST, LIVE = "TEST", "LIVE"
SECRET_PREFIXES = {"sk_test_": TEST, "sk_live_": LIVE}
# Declared roles, by the option that declares them.
API, FOREIGN, OTHER_ENV, REVOKED, INACTIVE, MADE_UP = (
    "api",
    "foreign",
    "other-env",
    "revoked",
    "inactive",
    "made-up",
)
# Roles of the partner --api-secret belongs to.
OWN_PARTNER = frozenset({API, OTHER_ENV})


@functools.lru_cache(maxsize=256)
def environment_of(secret: str | None) -> str | None:
    """TEST or LIVE by the prefix; None for no secret or one of another shape."""
    if secret is None:
        return None
    return next((env for prefix, env in SECRET_PREFIXES.items() if secret.startswith(prefix)), None)


@dataclass
class Roles:
    """Secrets by the role declared for them, and names for every secret a report may show."""

    declared: dict[str, str] = field(default_factory=dict)  # secret -> role
    variables: dict[str, str] = field(default_factory=dict)  # variable -> secret, for reports
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def of(cls, secrets: Mapping[str, tuple[str, str | None]]) -> Roles:
        """From {role: (variable, secret)}: `{"api": ("GAMIFYHOST_API_SECRET", "sk_test_...")}`."""
        roles = cls()
        for role, (variable, secret) in secrets.items():
            if secret:
                roles.declared[secret] = role
                roles.variables[variable] = secret
        return roles

    def role(self, secret: str | None) -> str | None:
        return None if secret is None else self.declared.get(secret)

    def made_up(self, secret: str) -> None:
        """A secret a probe invented: nobody's, so the answer must be 401 Invalid API key."""
        with self._lock:
            self.declared.setdefault(secret, MADE_UP)
            self.name(secret)

    def name(self, secret: str | None) -> None:
        """Give a secret seen in traffic a variable for reports (`GAMIFYHOST_SECRET_1`), if it has none."""
        if not secret or secret in self.variables.values():
            return
        with self._lock:
            if secret not in self.variables.values():
                self.variables[f"GAMIFYHOST_SECRET_{len(self.variables) + 1}"] = secret

    def same_partner(self, one: str | None, other: str | None) -> bool:
        """Whether both secrets are known to belong to one partner (not whether they may)."""
        if one is None or other is None:
            return False
        return one == other or (self.role(one) in OWN_PARTNER and self.role(other) in OWN_PARTNER)

    def other_partner(self, one: str | None, other: str | None) -> bool:
        """Whether the secrets are known to belong to two partners: one of them declared foreign to
        the other, which is --api-secret's partner's."""
        roles = {self.role(one), self.role(other)}
        return FOREIGN in roles and bool(roles & OWN_PARTNER)

    def usable(self, secret: str | None) -> bool:
        """Whether a secret may be answered with data: not declared revoked, inactive or made up."""
        return self.role(secret) not in (REVOKED, INACTIVE, MADE_UP)
