"""Documented behaviour of a successful generate answer, beyond what its schema can say."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from ..exchange import Exchange
from ..instants import parse_instant
from ..ledger import Ledger
from ..leniency import PLAIN_LABEL, PLAIN_POINTS
from ._registry import Violation, is_integer, listed, response_check, sent

# The generate page: PREFIX is the slug's first 4 characters uppercased, then 8 random
# characters of a reduced charset, "no confusing characters like O/0/I/1/L".
PREFIX_LENGTH = 4
RANDOM_LENGTH = 8
CONFUSING = "O0I1L"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _codes(exchange: Exchange) -> list[str]:
    codes = exchange.data.get("codes")
    return [code for code in codes if isinstance(code, str)] if isinstance(codes, list) else []


def _batch(exchange: Exchange) -> dict:
    batch = exchange.data.get("batch")
    return batch if isinstance(batch, dict) else {}


@response_check("generate")
def codes_count_matches_request(exchange: Exchange, _ledger: Ledger) -> None:
    """The answer holds batchSize codes, and `count` and `batch.batchSize` say the same."""
    codes = exchange.data.get("codes")
    if not isinstance(codes, list):
        return  # the shape is response_schema_conformance's to report
    asked = sent(exchange, "batchSize")
    expected = asked if is_integer(asked) else len(codes)
    received = {
        "codes": len(codes),
        "count": exchange.data.get("count"),
        "batch.batchSize": _batch(exchange).get("batchSize"),
    }
    wrong = {name: value for name, value in received.items() if value != expected}
    if wrong:
        described = ", ".join(f"{name} {value!r}" for name, value in received.items())
        raise Violation(
            f"Expected {expected} codes with count and batch.batchSize equal to it; received {described}"
        )


@response_check("generate")
def codes_unique_in_batch(exchange: Exchange, _ledger: Ledger) -> None:
    """No code appears twice in one batch."""
    repeated = [code for code, times in Counter(_codes(exchange)).items() if times > 1]
    if repeated:
        raise Violation(
            f"Expected {len(_codes(exchange))} distinct codes; received repeats of {listed(repeated)}"
        )


@response_check("generate")
def codes_unique_across_batches(exchange: Exchange, ledger: Ledger) -> None:
    """No code of this batch was already handed out in another batch of this run."""
    batch_id = str(_batch(exchange).get("id", ""))
    earlier = [(code, ledger.generated_batch(code)) for code in _codes(exchange)]
    reused = [
        f"{code} (batch {batch.batch_id})"
        for code, batch in earlier
        if batch is not None and batch.batch_id != batch_id
    ]
    if reused:
        raise Violation(
            f"Expected codes not handed out before; received codes of earlier batches: {listed(reused)}"
        )


@response_check("generate")
def code_prefix(exchange: Exchange, _ledger: Ledger) -> None:
    """Every code starts with the slug's first 4 characters, uppercased, and a hyphen."""
    slug = sent(exchange, "slug")
    if not isinstance(slug, str) or len(slug) < PREFIX_LENGTH or not slug[:PREFIX_LENGTH].isalnum():
        return  # short slugs and hyphens or digits in the prefix are decided (D5), not documented
    prefix = slug[:PREFIX_LENGTH].upper() + "-"
    wrong = [code for code in _codes(exchange) if not code.startswith(prefix)]
    if wrong:
        raise Violation(f"Expected codes starting {prefix!r} (slug {slug!r}); received {listed(wrong)}")


@response_check("generate")
def code_random_part(exchange: Exchange, _ledger: Ledger) -> None:
    """After the prefix come 8 characters of A-Z and digits, none of O, 0, I, 1, L."""
    wrong = []
    for code in _codes(exchange):
        random_part = code.rpartition("-")[2]
        bad = sorted(
            {char for char in random_part if char in CONFUSING or not (char.isupper() or char.isdigit())}
        )
        if len(random_part) != RANDOM_LENGTH or not random_part.isascii() or bad:
            wrong.append(f"{code} ({''.join(bad) or f'{len(random_part)} characters'})")
    if wrong:
        raise Violation(
            f"Expected {RANDOM_LENGTH} characters of A-Z and digits without {'/'.join(CONFUSING)} "
            f"after the prefix; received {listed(wrong)}"
        )


@response_check("generate")
def batch_echoes_request(exchange: Exchange, _ledger: Ledger) -> None:
    """The batch has the batchSize, pointsValue, label and expiresAt the request gave, where those are
    plain (leniency.py): a deployment may read, trim or refuse the others as it sees fit."""
    batch, wrong = _batch(exchange), []
    for name, plain in (("batchSize", range(1, 10_001)), ("pointsValue", PLAIN_POINTS)):
        if is_integer(asked := sent(exchange, name)) and asked in plain and batch.get(name) != asked:
            wrong.append(f"{name} {batch.get(name)!r} for {asked!r}")
    label = sent(exchange, "label")
    if isinstance(label, str) and PLAIN_LABEL.fullmatch(label) and batch.get("label") != label:
        wrong.append(f"label {batch.get('label')!r} for {label!r}")
    expires_at = sent(exchange, "expiresAt")
    if _is_instant(expires_at) and not _same_instant(expires_at, batch.get("expiresAt")):
        wrong.append(f"expiresAt {batch.get('expiresAt')!r} for {expires_at!r}")
    if wrong:
        raise Violation(f"Expected the batch to echo the request; received {'; '.join(wrong)}")


def _is_instant(value: object) -> bool:
    try:
        parse_instant(value)
    except ValueError:
        return False
    return True


def _same_instant(asked: object, received: object) -> bool:
    """The same instant, allowing the answer to drop the fraction of a second."""
    try:
        return abs(parse_instant(asked) - parse_instant(received)) < timedelta(seconds=1)
    except ValueError:
        return False


@response_check("generate")
def batch_id_is_uuid(exchange: Exchange, _ledger: Ledger) -> None:
    """batch.id is a UUID."""
    batch_id = _batch(exchange).get("id")
    if not isinstance(batch_id, str) or not _UUID.fullmatch(batch_id):
        raise Violation(f"Expected batch.id to be a UUID; received {batch_id!r}")


@response_check("generate")
def created_at_is_rfc3339(exchange: Exchange, _ledger: Ledger) -> None:
    """batch.createdAt is an RFC 3339 date-time with an offset."""
    created_at = _batch(exchange).get("createdAt")
    try:
        parse_instant(created_at)
    except ValueError:
        raise Violation(
            f"Expected batch.createdAt as an RFC 3339 date-time; received {created_at!r}"
        ) from None


@response_check("generate")
def game_url_names_campaign(exchange: Exchange, _ledger: Ledger) -> None:
    """gameUrl is the campaign's public page, ending with /campaign/<slug>."""
    slug, game_url = sent(exchange, "slug"), exchange.data.get("gameUrl")
    if not isinstance(slug, str):
        return
    if not isinstance(game_url, str) or not game_url.endswith(f"/campaign/{slug}"):
        raise Violation(f"Expected gameUrl ending with '/campaign/{slug}'; received {game_url!r}")
