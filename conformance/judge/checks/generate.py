"""Generate: the answer holds the batch asked for, of unique codes in the documented format, and the
documented refusals of batchSize and pointsValue."""

from __future__ import annotations

import re
import string
from collections import Counter
from datetime import timedelta

from ..exchange import Exchange
from ..findings import Violation
from ..instants import parse_instant
from ..leniency import LARGEST_BATCH, PLAIN_LABEL, PLAIN_POINTS
from ..memory import Memory
from ._registry import Answers, check, is_integer, listed, sent

# The generate page: PREFIX is the slug's first 4 characters uppercased, then 8 random
# characters of a reduced charset, "no confusing characters like O/0/I/1/L".
PREFIX_LENGTH = 4
RANDOM_LENGTH = 8
CONFUSING = "O0I1L"
_ALLOWED = "".join(sorted(set(string.ascii_uppercase + string.digits) - set(CONFUSING)))
_RANDOM_PART = re.compile(f"[{_ALLOWED}]{{{RANDOM_LENGTH}}}")
# The generate page's error table.
BATCH_SIZE_RANGE = "batchSize must be between 1 and 10000"
POINTS_POSITIVE = "pointsValue must be positive"


def _codes(exchange: Exchange) -> list[str]:
    codes = exchange.data.get("codes")
    return [code for code in codes if isinstance(code, str)] if isinstance(codes, list) else []


def _batch(exchange: Exchange) -> dict:
    batch = exchange.data.get("batch")
    return batch if isinstance(batch, dict) else {}


@check("generate", answers=Answers.SUCCESS)
def codes_count_matches_request(exchange: Exchange, _memory: Memory) -> bool | None:
    """The answer holds batchSize codes, and `count` and `batch.batchSize` say the same."""
    codes = exchange.data.get("codes")
    if not isinstance(codes, list):
        return None  # the shape is response_schema_conformance's to report
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
    return True


@check("generate", answers=Answers.SUCCESS)
def codes_unique_in_batch(exchange: Exchange, _memory: Memory) -> bool | None:
    """No code appears twice in one batch."""
    repeated = [code for code, times in Counter(_codes(exchange)).items() if times > 1]
    if repeated:
        raise Violation(
            f"Expected {len(_codes(exchange))} distinct codes; received repeats of {listed(repeated)}"
        )
    return True


@check("generate", answers=Answers.SUCCESS)
def codes_unique_across_batches(exchange: Exchange, memory: Memory) -> bool | None:
    """No code of this batch was already handed out in another batch of this run."""
    batch_id = str(_batch(exchange).get("id", ""))
    earlier = [(code, memory.batch_of(code)) for code in _codes(exchange)]
    reused = [(code, batch) for code, batch in earlier if batch is not None and batch.id != batch_id]
    if reused:
        shown = [f"{code} (batch {batch.id})" for code, batch in reused]
        raise Violation(
            f"Expected codes not handed out before; received codes of earlier batches: {listed(shown)}",
            *sorted({batch.exchange for _code, batch in reused}),
        )
    return True


@check("generate", answers=Answers.SUCCESS)
def code_prefix(exchange: Exchange, _memory: Memory) -> bool | None:
    """Every code starts with the slug's first 4 characters, uppercased, and a hyphen."""
    slug = sent(exchange, "slug")
    if not isinstance(slug, str) or len(slug) < PREFIX_LENGTH or not slug[:PREFIX_LENGTH].isalnum():
        return None  # short slugs and hyphens or digits in the prefix are decided (D5), not documented
    prefix = slug[:PREFIX_LENGTH].upper() + "-"
    wrong = [code for code in _codes(exchange) if not code.startswith(prefix)]
    if wrong:
        raise Violation(f"Expected codes starting {prefix!r} (slug {slug!r}); received {listed(wrong)}")
    return True


@check("generate", answers=Answers.SUCCESS)
def code_random_part(exchange: Exchange, _memory: Memory) -> bool | None:
    """After the prefix come 8 characters of A-Z and digits, none of O, 0, I, 1, L."""
    wrong = []
    for code in _codes(exchange):
        random_part = code.rpartition("-")[2]
        if _RANDOM_PART.fullmatch(random_part):
            continue
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
    return True


@check("generate", answers=Answers.SUCCESS)
def batch_echoes_request(exchange: Exchange, _memory: Memory) -> bool | None:
    """The batch has the batchSize, pointsValue, label and expiresAt the request gave, where those are
    plain (leniency.py): a deployment may read, trim or refuse the others as it sees fit."""
    batch, wrong = _batch(exchange), []
    for name, plain in (("batchSize", range(1, LARGEST_BATCH + 1)), ("pointsValue", PLAIN_POINTS)):
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
    return True


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


@check("generate", answers=Answers.SUCCESS)
def game_url_names_campaign(exchange: Exchange, _memory: Memory) -> bool | None:
    """gameUrl is the campaign's public page, ending with /campaign/<slug>."""
    slug, game_url = sent(exchange, "slug"), exchange.data.get("gameUrl")
    if not isinstance(slug, str):
        return None
    if not isinstance(game_url, str) or not game_url.endswith(f"/campaign/{slug}"):
        raise Violation(f"Expected gameUrl ending with '/campaign/{slug}'; received {game_url!r}")
    return True


def _exact_integer(value: object) -> int | None:
    """The integer a value is, read as JSON Schema and lax servers agree: 5, 5.0, "5"; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() and abs(number) < 2**63 else None
    return value if isinstance(value, int) else None


def _json_integer(value: object) -> int | None:
    """A JSON number that is an integer (5, 5.0), as the schema's `integer` reads it; not "5"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if is_integer(value) else None


def _only_wrong(exchange: Exchange, name: str, wrong: bool) -> bool:
    """Whether `name` is the one thing wrong with an otherwise plain body: then the documented message
    is the answer's. With more than one wrong, or a field a deployment may refuse for its own reasons
    (an expiry, a long label, one it does not know), another answer may be right."""
    body = exchange.sent
    if not wrong or not set(body) <= {"slug", "batchSize", "pointsValue", "label"}:
        return False
    size, points = _exact_integer(body.get("batchSize")), _exact_integer(body.get("pointsValue"))
    others = {
        "batchSize": size is not None and 1 <= size <= LARGEST_BATCH,
        "pointsValue": points is not None and points in PLAIN_POINTS,
        "slug": isinstance(body.get("slug"), str) and bool(body.get("slug")),
        "label": "label" not in body
        or (isinstance(body["label"], str) and bool(PLAIN_LABEL.fullmatch(body["label"]))),
    }
    return all(ok for field, ok in others.items() if field != name)


@check("generate")
def batch_size_out_of_range_refused(exchange: Exchange, memory: Memory) -> bool | None:
    """A batchSize outside 1 to 10,000 gets 400 batchSize must be between 1 and 10000 (once the secret
    and the campaign pass)."""
    size = _json_integer(sent(exchange, "batchSize"))
    out = size is not None and not 1 <= size <= LARGEST_BATCH
    return _refused(exchange, memory, "batchSize", size, out, BATCH_SIZE_RANGE)


@check("generate")
def points_value_not_positive_refused(exchange: Exchange, memory: Memory) -> bool | None:
    """A pointsValue of 0 or less gets 400 pointsValue must be positive (once the secret and the
    campaign pass)."""
    points = _json_integer(sent(exchange, "pointsValue"))
    out = points is not None and points < 1
    return _refused(exchange, memory, "pointsValue", points, out, POINTS_POSITIVE)


def _refused(
    exchange: Exchange, memory: Memory, name: str, value: int | None, wrong: bool, message: str
) -> bool | None:
    """A request whose only wrong field is `name` gets 400 `message`, once its secret and campaign pass."""
    if not _only_wrong(exchange, name, wrong):
        return None
    if exchange.status in (401, 403, 404) or not memory.roles.usable(exchange.secret):
        return None
    if exchange.status == 400 and exchange.message == message:
        return True
    raise Violation(f"Expected 400 {message} for {name} {value}; received {exchange.describe_answer()}")
