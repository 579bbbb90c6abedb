"""The README's curl examples, run in order against a fresh mock, as a reader would run them.

Every ```sh block that calls the mock at http://127.0.0.1:8000 runs in bash, in the README's
order, against a fresh mock on a free port. A `curl` function records each call's answer and
status. The answer shown after a call (`# {...}` lines, or the ```json block that follows) must
match the real one: the same status, the same shape (keys, and the types of values), and the
same numbers, booleans, nulls, statuses, codes and messages; ids, codes and instants may differ.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import mockserver

README = Path(__file__).parents[1] / "README.md"
MOCK = "http://127.0.0.1:8000"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
CALL = re.compile(r"(?:^|\$\(|\s)curl\s", re.MULTILINE)
# A block that starts a server in the background (the checking proxy's worked example, which
# tests/installed runs as a whole) is no session with the mock.
BACKGROUND = re.compile(r"(?<!&)&\s*$", re.MULTILINE)
# A block of the container section, which tests/container runs, with the image.
CONTAINER = re.compile(r"^\s*docker\s", re.MULTILINE)
EXACT_STRINGS = {"status", "message", "environment", "name", "slug", "label", "campaignSlug"}
# Records every call: its body (printed too, as curl would) and its HTTP status.
RECORDER = """
curl() {
  local n; n=$(( $(cat "$RECORDS/count") + 1 )); echo "$n" > "$RECORDS/count"
  command curl -sS -o "$RECORDS/$n.body" -w '%{http_code}' "$@" > "$RECORDS/$n.status"
  cat "$RECORDS/$n.body"
}
"""


@dataclass
class Example:
    block: str  # the shell code as the README shows it
    expected: list[Any | None]  # per curl call of the block, in order: the answer shown, if any


def examples() -> list[Example]:
    text = README.read_text(encoding="utf-8")
    found: list[Example] = []
    blocks = list(BLOCK.finditer(text))
    for index, block in enumerate(blocks):
        language, code = block.groups()
        if language != "sh" or MOCK not in code or not CALL.search(code) or BACKGROUND.search(code):
            continue
        if CONTAINER.search(code):
            continue
        starts = [match.start() for match in CALL.finditer(code)] + [len(code)]
        expected = [shown_in(code[start:end]) for start, end in itertools.pairwise(starts)]
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        between = text[block.end() : following.start()] if following else ""
        if following and following.group(1) == "json" and between.count("```") == 0 and expected[-1] is None:
            expected[-1] = json.loads(following.group(2))
        found.append(Example(code, expected))
    return found


def shown_in(code: str) -> Any | None:
    """The answer a call's `# ...` lines show, if they do."""
    lines = re.findall(r"^# ?(.*)$", code, re.MULTILINE)
    if not lines or not lines[0].startswith("{"):
        return None
    return json.loads("".join(line.strip() for line in lines))


def mismatches(expected: Any, actual: Any, where: str = "") -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or expected.keys() != actual.keys():
            return [f"{where or 'answer'}: keys {sorted(expected)} shown, {actual!r:.200} answered"]
        return [
            problem
            for key in expected
            for problem in mismatches(expected[key], actual[key], f"{where}.{key}")
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or (expected and not actual):
            return [f"{where}: a list shown, {actual!r:.200} answered"]
        return mismatches(expected[0], actual[0], f"{where}[0]") if expected else []
    if isinstance(expected, str):
        key = where.rsplit(".", 1)[-1]
        if not isinstance(actual, str) or (key in EXACT_STRINGS and actual != expected):
            return [f"{where}: {expected!r} shown, {actual!r} answered"]
        return []
    if type(expected) is not type(actual) or expected != actual:  # numbers, booleans, null
        return [f"{where}: {expected!r} shown, {actual!r} answered"]
    return []


def test_the_readme_shows_curl_examples_with_their_answers() -> None:
    found = examples()
    assert len(found) >= 4
    shown = [answer for example in found for answer in example.expected if answer is not None]
    assert len(shown) >= 15


def test_the_readme_curl_examples_hold_in_order_on_a_fresh_mock(tmp_path: Path) -> None:
    assert shutil.which("curl"), "the README's examples need curl"
    records = tmp_path / "records"
    records.mkdir()
    (records / "count").write_text("0")
    calls: list[Any | None] = []
    with mockserver.running() as mock:
        for number, example in enumerate(examples(), 1):
            script = RECORDER + example.block.replace(MOCK, mock.base_url)
            run = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", script],
                env={"RECORDS": str(records), "PATH": "/usr/local/bin:/usr/bin:/bin"},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert run.returncode == 0, f"README curl block {number} failed:\n{example.block}\n{run.stderr}"
            calls += example.expected
    assert int((records / "count").read_text()) == len(calls)  # every call ran, in the README's order
    problems = []
    for number, expected in enumerate(calls, 1):
        status = int((records / f"{number}.status").read_text())
        answer = json.loads((records / f"{number}.body").read_text())
        if expected is None:  # a call whose answer goes on to the next command
            if status != 200:
                problems.append(f"call {number}: {status} {answer}")
            continue
        wanted_status = expected.get("code", 200) if expected.get("status") == "error" else 200
        if status != wanted_status:
            problems.append(f"call {number}: status {status}, the README shows {wanted_status}")
        problems += [f"call {number}: {problem}" for problem in mismatches(expected, answer)]
    assert not problems, "\n".join(problems)
    print(f"\n{len(calls)} README curl calls in order, {sum(e is not None for e in calls)} answers compared")


@pytest.mark.parametrize(
    ("shown", "answered", "problem"),
    [
        ({"data": {"totalCodes": 255}}, {"data": {"totalCodes": 254}}, ".data.totalCodes: 255 shown, 254"),
        ({"data": {"id": "8d0f..."}}, {"data": {"id": 5}}, ".data.id: '8d0f...' shown, 5"),
        ({"data": {"a": 1}}, {"data": {"a": 1, "b": 2}}, ".data: keys ['a'] shown"),
        ({"message": "Campaign not found"}, {"message": "Not found"}, ".message: 'Campaign not found' shown"),
        ({"data": {"expiresAt": None}}, {"data": {"expiresAt": "2030-01-01T00:00:00Z"}}, "None shown"),
    ],
)
def test_a_wrong_answer_is_a_mismatch(shown: Any, answered: Any, problem: str) -> None:
    assert any(problem in found for found in mismatches(shown, answered))


def test_what_may_vary_is_no_mismatch() -> None:
    shown = {
        "data": {"id": "8d0f...", "codes": ["SUMM-W4HZ4FRZ", "..."], "createdAt": "2026-11-23T09:21:33Z"}
    }
    answered = {
        "data": {
            "id": "0b1c",
            "codes": ["SUMM-AAAAAAAA", "SUMM-BBBBBBBB"],
            "createdAt": "2027-01-01T00:00:00Z",
        }
    }
    assert mismatches(shown, answered) == []
