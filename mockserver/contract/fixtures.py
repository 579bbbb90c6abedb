"""Fixtures: the YAML seed data (partners, keys, campaigns, batches) the mock starts from.

`plan_of` turns them into the domain's Plan; a store starts from it, and goes back to it on a reset.

A fixtures path is a YAML file or a directory of them. Every file is checked at load time,
its batches against openapi.yaml's Batch schema; any problem stops the start-up with a
message naming the file and the place in it.
"""

from __future__ import annotations

import copy
import functools
import secrets
import string
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..domain.ports import PartnerSeed
from ..domain.records import ApiKey, Campaign, CampaignStatus, Environment, Partner, secret_digest
from ..domain.service import BatchPlan, Plan
from .spec import Spec, format_checker, load_yaml
from .timestamps import parse_timestamp

DEFAULT_FIXTURES = Path(__file__).parent.parent / "fixtures"
DEFAULT_PUBLIC_BASE_URL = "https://app.gamifyhost.com"
_SCHEMA_PATH = Path(__file__).with_name("fixtures.schema.yaml")
# Fixtures are written by hand: a count is written as an integer, 2.0 and true are not.
_IntegerOnly = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)
_ALPHANUMERIC = string.ascii_lowercase + string.digits
# Ids the fixtures leave out are derived from names, so they are the same at every start.
_ID_NAMESPACE = uuid.UUID("6f1c2a57-3f0e-4b7e-9a51-0c6d8e2b9a10")


class FixtureError(Exception):
    """A fixtures file the mock cannot start from."""


@dataclass(frozen=True)
class Fixtures:
    """The validated contents of one or more fixtures files."""

    sources: tuple[Path, ...]
    public_base_url: str
    partners: tuple[dict[str, Any], ...]


def load_fixtures(path: Path | None, spec: Spec) -> Fixtures:
    path = Path(path) if path is not None else DEFAULT_FIXTURES
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        if not files:
            raise FixtureError(f"{path}: no .yaml fixtures file in this directory")
    elif path.is_file():
        files = [path]
    else:
        raise FixtureError(f"{path}: no such fixtures file or directory")
    documents = [(file, _read(file, spec)) for file in files]
    base_urls = {doc["publicBaseUrl"] for _, doc in documents if "publicBaseUrl" in doc}
    if len(base_urls) > 1:
        raise FixtureError(f"{path}: the files disagree on publicBaseUrl: {sorted(base_urls)}")
    return Fixtures(
        sources=tuple(files),
        public_base_url=base_urls.pop() if base_urls else DEFAULT_PUBLIC_BASE_URL,
        partners=tuple(partner for _, doc in documents for partner in doc["partners"]),
    )


def _read(file: Path, spec: Spec) -> dict[str, Any]:
    try:
        document = load_yaml(file)
    except (OSError, yaml.YAMLError) as error:
        raise FixtureError(f"{file}: not readable as YAML: {error}") from None
    _check(file, _IntegerOnly(load_yaml(_SCHEMA_PATH), format_checker=format_checker), document)
    batch_validator = _IntegerOnly(spec.schema("Batch"), format_checker=format_checker)
    code_validator = _IntegerOnly(spec.schema("Code"), format_checker=format_checker)
    for p, partner in enumerate(document["partners"]):
        for c, campaign in enumerate(partner.get("campaigns", ())):
            prefix = spec.code_format.prefix(campaign["slug"]) + "-"
            for b, batch in enumerate(campaign.get("batches", ())):
                where = f"partners[{p}].campaigns[{c}].batches[{b}]"
                _check(file, batch_validator, _batch_record(campaign, b, batch), where)
                _check_codes(file, where, code_validator, prefix, batch)
    return document


def _check(file: Path, validator: Any, instance: Any, where: str = "") -> None:
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        place = where + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path)
        raise FixtureError(f"{file}: {place.lstrip('.') or 'top level'}: {error.message}")


def _check_codes(file: Path, where: str, code_validator: Any, prefix: str, batch: dict[str, Any]) -> None:
    codes = batch.get("codes", [])
    for i, code in enumerate(codes):
        _check(file, code_validator, code, f"{where}.codes[{i}]")
        if not code.startswith(prefix):
            raise FixtureError(f"{file}: {where}.codes[{i}]: {code!r} does not start with {prefix!r}")
    if len(codes) > batch["batchSize"]:
        raise FixtureError(f"{file}: {where}: {len(codes)} codes for a batchSize of {batch['batchSize']}")
    for state in ("redeemed", "revoked"):
        for i, code in enumerate(batch.get(state, [])):
            if code not in codes:
                raise FixtureError(f"{file}: {where}.{state}[{i}]: {code!r} is not one of the batch's codes")


def _derived_id(*names: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(names)))


def _campaign_id(campaign: dict[str, Any]) -> str:
    return campaign.get("id") or _derived_id("campaign", campaign["environment"], campaign["slug"])


def _batch_record(campaign: dict[str, Any], index: int, batch: dict[str, Any]) -> dict[str, Any]:
    """The batch as the API would list it, for checking against the spec's Batch schema."""
    campaign_id = _campaign_id(campaign)
    return {
        "id": batch.get("id") or _derived_id("batch", campaign_id, str(index)),
        "campaignId": campaign_id,
        "batchSize": batch["batchSize"],
        "pointsValue": batch["pointsValue"],
        "label": batch.get("label"),
        "expiresAt": batch.get("expiresAt"),
        "createdAt": batch["createdAt"],
    }


def plan_of(fixtures: Fixtures) -> Plan:
    """The fixtures as the domain takes them; FixtureError for what only the whole data set shows: a
    secret or a campaign that appears twice."""
    secrets: set[str] = set()
    partners, batches = [], []
    for data in fixtures.partners:
        seed = partner_seed(data)
        for application in data["applications"]:
            for key in application["keys"]:
                if key["secret"] in secrets:
                    raise FixtureError(
                        f"{_sources(fixtures)}: secret of partner {seed.partner.name!r} is used twice"
                    )
                secrets.add(key["secret"])
        identities = [campaign.key for campaign in seed.campaigns]
        for twice in {identity for identity in identities if identities.count(identity) > 1}:
            raise FixtureError(
                f"{_sources(fixtures)}: partner {seed.partner.name!r} has two "
                f"{twice.environment.value} campaigns {twice.slug!r}"
            )
        partners.append(seed)
        for campaign, campaign_data in zip(seed.campaigns, data.get("campaigns", ()), strict=True):
            batches += [
                _batch_plan(campaign, campaign_data, index, batch)
                for index, batch in enumerate(campaign_data.get("batches", ()))
            ]
    return Plan(tuple(partners), tuple(batches))


def partner_id(data: dict[str, Any]) -> str:
    """The id of a partner of the fixtures' format: its own, or one derived from its name."""
    return data.get("id") or _derived_id("partner", data["name"])


def partner_seed(data: dict[str, Any]) -> PartnerSeed:
    """A partner of the fixtures' format (checked already): its keys and campaigns.

    Ids the fixtures leave out are derived from names.
    """
    partner = Partner(id=partner_id(data), name=data["name"])
    keys = []
    for application in data["applications"]:
        for key in application["keys"]:
            environment = Environment.of_secret(key["secret"])
            assert environment is not None  # the fixtures schema only admits sk_test_ / sk_live_
            keys.append(
                ApiKey(
                    secret_sha256=secret_digest(key["secret"]),
                    partner=partner,
                    environment=environment,
                    application_active=application.get("active", True),
                    revoked=key.get("revoked", False),
                )
            )
    campaigns = tuple(
        Campaign(
            id=_campaign_id(campaign),
            partner=partner,
            environment=Environment(campaign["environment"]),
            slug=campaign["slug"],
            name=campaign["name"],
            status=CampaignStatus(campaign["status"]),
            ends_at=parse_timestamp(campaign["endsAt"]) if "endsAt" in campaign else None,
        )
        for campaign in data.get("campaigns", ())
    )
    return PartnerSeed(partner, tuple(keys), campaigns)


def _batch_plan(campaign: Campaign, data: dict[str, Any], index: int, batch: dict[str, Any]) -> BatchPlan:
    record = _batch_record(data, index, batch)
    return BatchPlan(
        campaign=campaign,
        id=record["id"],
        batch_size=record["batchSize"],
        points_value=record["pointsValue"],
        label=record["label"],
        expires_at=parse_timestamp(record["expiresAt"]) if record["expiresAt"] else None,
        created_at=parse_timestamp(record["createdAt"]),
        known=tuple(batch.get("codes", [])),
        redeemed=tuple(batch.get("redeemed", [])),
        revoked=tuple(batch.get("revoked", [])),
    )


def _sources(fixtures: Fixtures) -> str:
    return ", ".join(str(source) for source in fixtures.sources)


# -- a partner added at run time (POST /__mock/partners) ----------------------------------------


class PartnerConflict(Exception):
    """A partner that would share a secret, an id or a campaign with one the mock holds."""


def new_partner_schema() -> dict[str, Any]:
    """The fixtures' partner, as the admin API takes it: a key may leave its secret out and say
    its environment instead (TEST if neither), ids may be left out, a campaign has no batches,
    and a campaign's name and status default to its slug and `active`."""
    document = load_yaml(_SCHEMA_PATH)
    definitions = copy.deepcopy(document["$defs"])
    key = definitions["key"]
    key["required"] = []
    key["properties"]["environment"] = {"enum": ["TEST", "LIVE"]}
    campaign = definitions["campaign"]
    del campaign["properties"]["batches"]
    campaign["required"] = ["slug", "environment"]
    del definitions["batch"]
    return {"$schema": document["$schema"], "$defs": definitions, **definitions["partner"]}


@functools.cache
def _new_partner_validator() -> Any:
    return _IntegerOnly(new_partner_schema(), format_checker=format_checker)


def new_partner(data: dict[str, Any]) -> tuple[PartnerSeed, dict[str, Any]]:
    """A partner sent to the admin API, filled in: made-up secrets and ids where it has none.

    Returns what the domain takes and the partner as added, secrets included (the mock keeps
    only their digests, so this is the one time they are said). ValueError says what is wrong
    with the shape, PartnerConflict what clashes within the partner itself.
    """
    error = jsonschema.exceptions.best_match(_new_partner_validator().iter_errors(data))
    if error is not None:
        place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path)
        raise ValueError(f"{place.lstrip('.') or 'the partner'}: {error.message}")
    applications = []
    for application in data["applications"]:
        keys = []
        for key in application["keys"]:
            secret = key.get("secret") or _made_up_secret(key.get("environment", "TEST"))
            environment = Environment.of_secret(secret)
            assert environment is not None  # the schema only admits sk_test_ / sk_live_
            if key.get("environment", environment.value) != environment.value:
                raise ValueError(f"a key of {key['environment']} has a secret of {environment.value}")
            keys.append(
                {"secret": secret, "environment": environment.value, "revoked": key.get("revoked", False)}
            )
        applications.append(
            {"name": application["name"], "active": application.get("active", True), "keys": keys}
        )
    filled = {
        "id": data.get("id") or str(uuid.uuid4()),
        "name": data["name"],
        "applications": applications,
        "campaigns": [
            {
                "id": campaign.get("id") or str(uuid.uuid4()),
                "slug": campaign["slug"],
                "name": campaign.get("name", campaign["slug"]),
                "environment": campaign["environment"],
                "status": campaign.get("status", "active"),
                **({"endsAt": campaign["endsAt"]} if "endsAt" in campaign else {}),
            }
            for campaign in data.get("campaigns", ())
        ],
    }
    secrets_ = [key["secret"] for application in applications for key in application["keys"]]
    if len(set(secrets_)) != len(secrets_):
        raise PartnerConflict("The same secret is given twice")
    seed = partner_seed(filled)
    identities = [campaign.key for campaign in seed.campaigns]
    if len(set(identities)) != len(identities):
        raise PartnerConflict("Two campaigns share a slug in one environment")
    return seed, filled


def _made_up_secret(environment: str) -> str:
    return f"sk_{environment.lower()}_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(24))
