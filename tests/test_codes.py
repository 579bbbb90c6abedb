"""D5: the code format, its alphabet and randomness, uniqueness across the mock, and digests only."""

from __future__ import annotations

import collections
import enum
import itertools
import random
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from mockserver import Randomness, create_app, load_spec
from mockserver.domain.codes import CodeDrawer, CodeFormat

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACME_TEST = "sk_test_acme_mock_secret"
ACME_LIVE = "sk_live_acme_mock_secret"
GLOBEX_TEST = "sk_test_globex_mock_secret"
TINY_TEST = "sk_test_tiny_mock_secret"
FORMAT = CodeFormat(prefix_length=4, random_length=8, alphabet=ALPHABET)


def campaign(slug: str, environment: str = "TEST") -> dict[str, Any]:
    return {"slug": slug, "name": slug.title(), "environment": environment, "status": "active"}


def partner(name: str, secrets: list[str], campaigns: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [{"secret": secret} for secret in secrets]
    return {"name": name, "applications": [{"name": f"{name} app", "keys": keys}], "campaigns": campaigns}


@pytest.mark.parametrize(
    ("slug", "prefix"),
    [
        ("ab", "AB"),
        ("x", "X"),
        ("ab-c-promo", "AB-C"),
        ("9to5-deals", "9TO5"),
        ("abcd", "ABCD"),
        ("a-1", "A-1"),
        ("lol1-io", "LOL1"),
    ],
)
def test_code_prefix_is_first_four_slug_characters_upper_cased(
    write_fixtures: Callable[..., Any], api_for: Callable[..., Any], slug: str, prefix: str
) -> None:
    path = write_fixtures({"partners": [partner("Tiny", [TINY_TEST], [campaign(slug)])]})
    api = api_for(create_app(path))
    codes = api.generated(TINY_TEST, slug=slug, batchSize=200)["codes"]
    pattern = re.compile(rf"^{re.escape(prefix)}-[{ALPHABET}]{{8}}$")
    assert [code for code in codes if not pattern.fullmatch(code)] == []


def test_ten_thousand_codes_are_distinct_and_use_only_the_31_characters(api: Any) -> None:
    codes = api.generated(batchSize=10000)["codes"]
    assert len(codes) == len(set(codes)) == 10000
    random_parts = "".join(code.removeprefix("SUMM-") for code in codes)
    assert len(random_parts) == 80000
    assert set(random_parts) <= set(ALPHABET)
    assert not set(random_parts) & set("ILO01")


def test_code_characters_are_roughly_uniform_over_a_10000_code_batch(api: Any) -> None:
    codes = api.generated(batchSize=10000)["codes"]
    counts = collections.Counter("".join(code[5:] for code in codes))
    expected = 80000 / 31  # about 2581; one standard deviation is about 50
    assert set(counts) == set(ALPHABET)
    assert {char: n for char, n in counts.items() if not 0.6 * expected <= n <= 1.4 * expected} == {}


def test_codes_are_unique_across_batches_campaigns_partners_and_environments(api: Any, app: Any) -> None:
    before = app.state.codes.code_count
    codes: list[str] = []
    for secret, slug in [
        (ACME_TEST, "summer-promo"),
        (ACME_TEST, "summer-promo"),
        (ACME_TEST, "spring-launch"),
        (ACME_LIVE, "summer-promo"),
        (GLOBEX_TEST, "winter-sale"),
    ]:
        codes += api.generated(secret, slug=slug, batchSize=2000, expiresAt="2030-01-01T00:00:00Z")["codes"]
    assert len(set(codes)) == len(codes) == 10000
    assert app.state.codes.code_count == before + 10000


class TwoCharacterRandomness(Randomness):
    """Random bytes 0 and 1 only: codes use 2 of the 31 characters, so draws repeat all the time."""

    def __init__(self) -> None:
        super().__init__(seed=7)
        rng = random.Random(7)
        self.token_bytes = lambda n: bytes(rng.getrandbits(1) for _ in range(n))

    def uuid4(self) -> str:
        return str(uuid.uuid4())


def test_codes_stay_unique_across_partners_and_environments_when_draws_collide(
    write_fixtures: Callable[..., Any], api_for: Callable[..., Any]
) -> None:
    # Three campaigns share the prefix SUMM; only 2**8 = 256 codes exist with this randomness.
    path = write_fixtures(
        {
            "partners": [
                partner(
                    "Acme",
                    [ACME_TEST, ACME_LIVE],
                    [campaign("summer-promo"), campaign("summer-promo", "LIVE")],
                ),
                partner("Globex", [GLOBEX_TEST], [campaign("summit")]),
            ]
        }
    )
    api = api_for(create_app(path, randomness=TwoCharacterRandomness()))
    codes: list[str] = []
    for secret, slug in [
        (ACME_TEST, "summer-promo"),
        (ACME_LIVE, "summer-promo"),
        (GLOBEX_TEST, "summit"),
    ] * 2:
        codes += api.generated(secret, slug=slug, batchSize=30)["codes"]
    assert len(set(codes)) == len(codes) == 180
    assert {code[5:] for code in codes} <= {"".join(chars) for chars in itertools.product("AB", repeat=8)}


def visible_text(root: object) -> list[str]:
    """Every str and bytes reachable from `root` through attributes, slots and containers."""
    found: list[str] = []
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, int | float | datetime | enum.Enum | type(None)):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            found.append(obj)
        elif isinstance(obj, bytes | bytearray):
            found.append(bytes(obj).decode("latin-1"))
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset | collections.deque):
            stack.extend(obj)
        else:
            stack.extend(getattr(obj, "__dict__", {}).values())
            slots = (name for cls in type(obj).__mro__ for name in getattr(cls, "__slots__", ()))
            stack.extend(getattr(obj, name) for name in slots if hasattr(obj, name))
    return found


def test_backend_keeps_digests_not_plaintext_codes(api: Any, app: Any) -> None:
    codes = api.generated(batchSize=500)["codes"] + api.generated(ACME_LIVE, batchSize=500)["codes"]
    backend = app.state.codes
    assert all(backend.has_code(code) for code in codes)
    assert backend.has_code(f"  {codes[0].lower()} ")  # D5: lookups trim and ignore case
    assert not backend.has_code("SUMM-AAAAAAAA")
    texts = visible_text(backend)
    assert "Email campaign July" in texts  # the walk does reach the stored batches
    haystack = "\x00".join(texts).upper()
    assert [code for code in codes if code[5:] in haystack] == []


def test_no_generated_code_is_held_anywhere_in_the_app_state(api: Any, app: Any) -> None:
    codes = api.generated(batchSize=1000)["codes"]
    api.list_batches(slug="summer-promo")
    texts = visible_text(app.state)  # backend, request journal, fixtures, spec, ...
    assert "Email campaign July" in texts  # the walk does reach the backend's batches
    haystack = "\x00".join(texts).upper()
    assert [code for code in codes if code in haystack] == []


def drawer(token_bytes: Callable[[int], bytes] | None = None, seed: int = 1) -> CodeDrawer:
    randomness = Randomness(seed=seed)
    if token_bytes is not None:
        randomness.token_bytes = token_bytes
    return CodeDrawer(FORMAT, randomness)


def test_code_drawer_is_reproducible_with_a_seed() -> None:
    first = list(drawer(seed=1).draw("summer-promo", 50))
    assert first == list(drawer(seed=1).draw("summer-promo", 50))
    assert first != list(drawer(seed=2).draw("summer-promo", 50))
    assert all(re.fullmatch(rf"SUMM-[{ALPHABET}]{{8}}", code) for code in first)


def test_code_format_in_spec_is_the_31_character_alphabet() -> None:
    assert load_spec().code_format == FORMAT
    assert load_spec().code_format.prefix("ab-c-promo") == "AB-C"


def stream_of(values: Iterator[int]) -> Callable[[int], bytes]:
    return lambda n: bytes(itertools.islice(values, n))


def test_code_drawer_drops_bytes_at_or_above_248_instead_of_mapping_them() -> None:
    # 248 = 8 * 31 is where the last full round of the alphabet ends: 248..255 would bias A..H.
    def values() -> Iterator[int]:
        yield from [255] * 1000  # a long run of rejects first: the drawer must keep asking
        for i in itertools.count():
            yield 248 + i % 8
            yield i % 31 + 31 * (i % 7)  # accepted; maps to ALPHABET[i % 31]

    codes = list(drawer(stream_of(values())).draw("summer-promo", 20))
    expected = "".join(ALPHABET[i % 31] for i in range(160))
    assert codes == ["SUMM-" + expected[i : i + 8] for i in range(0, 160, 8)]


def test_code_drawer_maps_each_accepted_byte_to_alphabet_modulo_31() -> None:
    accepted = list(range(248))
    codes = list(drawer(stream_of(itertools.cycle(accepted))).draw("ab", 31))
    assert "".join(code[3:] for code in codes) == "".join(ALPHABET[b % 31] for b in accepted)
    assert all(code.startswith("AB-") for code in codes)


def test_same_seed_gives_the_same_codes_and_ids_through_the_api(api_for: Callable[..., Any]):
    first, second = (
        api_for(create_app(randomness=Randomness(seed=1))).generated(batchSize=20) for _ in range(2)
    )
    assert first["codes"] == second["codes"]
    assert first["batch"]["id"] == second["batch"]["id"]
    other = api_for(create_app(randomness=Randomness(seed=2))).generated(batchSize=20)
    assert other["codes"] != first["codes"]
