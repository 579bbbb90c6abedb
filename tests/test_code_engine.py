"""The code engine's parts: AES digests, the drawer's layout of codes, and ids.

tests/test_codes.py checks what the API shows of codes (format, alphabet, uniformity,
uniqueness), tests/test_stores.py how the stores keep them; here each part is checked against
a plain reference written in the test.
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mockserver.domain.codes import (
    MAX_CODE_LENGTH,
    CodeDigester,
    CodeDrawer,
    CodeFormat,
    CodeSheet,
    Randomness,
)

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
KEY = bytes(range(32))


def reference_digest(code: str, key: bytes = KEY) -> int:
    """AES-256 of the code, a 0x01 byte and zeros as one block; its first 8 bytes, big-endian."""
    block = code.encode() + b"\x01"
    block += bytes(16 - len(block))
    encrypted = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(block)
    return int.from_bytes(encrypted[:8], "big")


def test_a_digest_is_aes_256_of_the_padded_code_cut_to_64_bits() -> None:
    digester = CodeDigester(KEY)
    for code in ["SUMM-AX7K9M2P", "A", "", "AB-CDEFGHJK", "X" * MAX_CODE_LENGTH]:
        assert digester.digest(code) == reference_digest(code)


def test_a_digest_trims_and_upper_cases_what_a_client_typed() -> None:
    digester = CodeDigester(KEY)
    assert digester.digest("  summ-ax7k9m2p\t") == reference_digest("SUMM-AX7K9M2P")


def test_the_padding_tells_apart_codes_that_differ_only_in_trailing_nul_bytes() -> None:
    digester = CodeDigester(KEY)
    assert len({digester.digest("AB"), digester.digest("AB\x00"), digester.digest("AB\x01")}) == 3


def test_text_too_long_to_be_a_code_has_no_digest() -> None:
    assert CodeDigester(KEY).digest("X" * (MAX_CODE_LENGTH + 1)) is None
    assert CodeDigester(KEY).digest("É" * 8) is None  # 16 bytes in UTF-8


def test_digests_of_a_sheet_equal_the_digests_of_its_codes_one_by_one() -> None:
    digester = CodeDigester(KEY)
    codes = [f"SUMM-{i:08d}" for i in range(1000)] + ["A", "SUMM-AX7K9M2P", "AB-CD", ""]
    assert list(digester.digests(CodeSheet.of(codes))) == [reference_digest(code) for code in codes]
    assert list(digester.digests(CodeSheet.of([]))) == []


def test_a_sheet_reads_back_its_codes_and_writes_them_as_a_json_array() -> None:
    codes = ["SUMM-AX7K9M2P", "A", "", "AB-C-DEFGHJKM", "X" * MAX_CODE_LENGTH]
    sheet = CodeSheet.of(codes)
    assert list(sheet) == codes and len(sheet) == 5 and sheet[1] == "A" and sheet[-2:] == codes[-2:]
    assert json.loads(sheet.json()) == codes
    assert sheet.blocks[:16] == b"SUMM-AX7K9M2P\x01\x00\x00"
    assert json.loads(CodeSheet.of([]).json()) == [] and list(CodeSheet.of([])) == []
    assert "AX7K9M2P" not in repr(sheet)


@pytest.mark.parametrize("text", ['SUMM-"', "SUMM-\\", "SUMM-\n", "SUMM-É", "X" * (MAX_CODE_LENGTH + 1)])
def test_a_sheet_refuses_what_could_not_go_into_json_as_it_is_or_into_one_block(text: str) -> None:
    with pytest.raises(ValueError, match="not a code"):
        CodeSheet.of([text])


def test_the_key_matters_and_a_fresh_digester_draws_its_own() -> None:
    assert CodeDigester(KEY).digest("SUMM-AX7K9M2P") != CodeDigester(bytes(32)).digest("SUMM-AX7K9M2P")
    assert CodeDigester().key != CodeDigester().key
    assert len(CodeDigester().key) == 32


def test_a_code_format_too_long_to_digest_is_refused() -> None:
    with pytest.raises(ValueError, match="15"):
        CodeFormat(prefix_length=4, random_length=11, alphabet=ALPHABET)


@pytest.mark.parametrize("random_length", [1, 6, 7, 8, 10])
@pytest.mark.parametrize("slug", ["summer-promo", "ab", "a-b", "x"])
def test_drawn_codes_are_the_prefix_a_hyphen_and_random_characters_in_draw_order(
    random_length: int, slug: str
) -> None:
    code_format = CodeFormat(prefix_length=4, random_length=random_length, alphabet=ALPHABET)
    stream = random.Random(3)
    randomness = Randomness(seed=3)
    randomness.token_bytes = lambda n: bytes(stream.randrange(248) for _ in range(n))  # never rejected
    sheet = CodeDrawer(code_format, randomness).draw(slug, 37)
    codes = list(sheet)
    # The same bytes, laid out the plain way.
    again = random.Random(3)
    characters = "".join(ALPHABET[again.randrange(248) % 31] for _ in range(37 * random_length))
    prefix = slug[:4].upper() + "-"
    assert codes == [
        prefix + characters[i : i + random_length] for i in range(0, len(characters), random_length)
    ]
    assert sheet.blocks == CodeSheet.of(codes).blocks  # the layout is the sheet's block format


def test_one_drawer_keeps_each_campaigns_prefix_as_it_goes_from_slug_to_slug() -> None:
    drawer = CodeDrawer(CodeFormat(prefix_length=4, random_length=8, alphabet=ALPHABET), Randomness())
    for slug, prefix in [("summer-promo", "SUMM-"), ("ab", "AB-"), ("summer-promo", "SUMM-"), ("ab", "AB-")]:
        sheet = drawer.draw(slug, 5)
        assert all(re.fullmatch(re.escape(prefix) + f"[{ALPHABET}]{{8}}", code) for code in sheet)
        assert sheet.blocks == CodeSheet.of(list(sheet)).blocks


def test_ids_are_version_4_uuids_written_as_the_uuid_module_writes_them() -> None:
    randomness = Randomness()
    for raw in [bytes(16), b"\xff" * 16, *(os.urandom(16) for _ in range(500))]:
        randomness.token_bytes = lambda _n, raw=raw: raw
        assert randomness.uuid4() == str(uuid.UUID(bytes=raw, version=4))


def test_drawn_codes_match_the_format() -> None:
    codes = CodeDrawer(CodeFormat(4, 8, ALPHABET), Randomness()).draw("summer-promo", 2000)
    assert all(re.fullmatch(rf"SUMM-[{ALPHABET}]{{8}}", code) for code in codes)


@pytest.mark.parametrize("alphabet", ['AB"', "AB\\", "ABÉ", "A"])
def test_an_alphabet_that_could_not_go_into_json_as_it_is_is_refused(alphabet: str) -> None:
    with pytest.raises(ValueError, match="alphabet"):
        CodeDrawer(CodeFormat(4, 8, alphabet), Randomness(seed=1))


def test_a_slug_that_could_not_prefix_a_code_is_refused() -> None:
    with pytest.raises(ValueError, match="slug"):
        CodeDrawer(CodeFormat(4, 8, ALPHABET), Randomness(seed=1)).draw('a"b', 1)
