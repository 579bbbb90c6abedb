"""`--state-file`: the state survives a restart; the file is written atomically and checked at start."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from helpers_kit import (
    FIXTURE_BATCH,
    FIXTURE_CODE,
    FROZEN,
    admin_data,
    assert_error,
    batches,
    generate,
    redeem,
    stats,
    verify,
)
from starlette.testclient import TestClient

from mockserver import StateFileError, create_app
from mockserver.cli import main
from mockserver.fixtures import DEFAULT_FIXTURES
from mockserver.serving import free_port
from mockserver.state_file import FORMAT, write_atomically


def started(state_file: Path, **options: Any) -> TestClient:
    """A client whose app runs its lifespan (so it saves) until the client is closed."""
    return TestClient(create_app(state_file=state_file, **options), raise_server_exceptions=False)


def observed(http: Any, codes: list[str]) -> dict[str, Any]:
    """Everything a partner can see of summer-promo, and the state of `codes`."""
    return {
        "batches": batches(http),
        "stats": stats(http),
        "codes": [verify(http, code) for code in codes],
        "clock": admin_data(http.get("/__mock/clock"))["now"],
    }


def mutate(http: Any) -> list[str]:
    """Generate, redeem, revoke a code and a batch, move the clock; the codes it touched."""
    codes = generate(http, count=4, label="kept", expiresAt="2030-01-01T00:00:00Z")["codes"]
    assert redeem(http, codes[0]).status_code == 200
    assert redeem(http, FIXTURE_CODE).status_code == 200
    admin_data(http.post("/__mock/revoke", json={"code": codes[1]}))
    admin_data(http.post("/__mock/revoke", json={"batchId": "b2c3d4e5-f6a7-8901-bcde-f12345678901"}))
    admin_data(http.post("/__mock/clock", json={"advanceSeconds": 7200}))
    return [*codes, FIXTURE_CODE, "SUMM-BF3D8N4Q"]


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "state.json"


def test_state_survives_a_restart_in_process(state_file: Path) -> None:
    with started(state_file, freeze_time=FROZEN) as http:
        codes = mutate(http)
        before = observed(http, codes)
    with started(state_file, freeze_time=FROZEN) as http:
        assert observed(http, codes) == before
        assert redeem(http, codes[0]).status_code == 409
        assert [v["status"] for v in before["codes"]] == [
            "REDEEMED",
            "REVOKED",
            "ACTIVE",
            "ACTIVE",
            "REDEEMED",
            "ACTIVE",
        ]
        assert before["clock"] == "2025-06-01T14:00:00Z"


def test_codes_drawn_after_a_restart_do_not_repeat_saved_ones(state_file: Path) -> None:
    with started(state_file, seed=1) as http:
        first = generate(http, count=50)["codes"]
    with started(state_file, seed=1) as http:  # the same seed draws the same codes again
        second = generate(http, count=50)["codes"]
        assert set(first).isdisjoint(second)
        assert {verify(http, code)["status"] for code in first + second} == {"ACTIVE"}


def test_the_file_holds_digests_and_never_a_code(state_file: Path) -> None:
    with started(state_file) as http:
        codes = generate(http, count=20)["codes"]
    text = state_file.read_text(encoding="utf-8")
    assert json.loads(text)["format"] == FORMAT
    for code in [*codes, FIXTURE_CODE]:
        assert code not in text and code.split("-")[1] not in text
        assert base64.b64encode(code.encode()).decode()[:8] not in text


def test_the_file_is_written_while_running_soon_after_a_change(state_file: Path) -> None:
    with started(state_file) as http:
        code = generate(http, count=1)["codes"][0]
        deadline = time.monotonic() + 5
        while not state_file.exists() or len(json.loads(state_file.read_bytes())["batches"]) < 3:
            assert time.monotonic() < deadline, "the state file was not written within 5 s"
            time.sleep(0.05)
        assert_error(redeem(http, code, user_id=""), 400)  # the app still answers while saving
    assert not [p for p in state_file.parent.iterdir() if p != state_file], "a temporary file was left"


def test_reset_is_saved_too(state_file: Path) -> None:
    with started(state_file) as http:
        generate(http)
        admin_data(http.post("/__mock/reset"))
    with started(state_file) as http:
        assert len(batches(http)) == 2


def test_without_a_state_file_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with TestClient(create_app()) as http:
        generate(http)
    assert list(tmp_path.iterdir()) == []


def test_an_atomic_write_that_fails_leaves_the_old_file(
    state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_file.write_bytes(b"old")

    def broken_replace(*_args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(state_file, b"new")
    assert state_file.read_bytes() == b"old"
    assert list(state_file.parent.iterdir()) == [state_file]


def saved_document(state_file: Path) -> dict[str, Any]:
    with started(state_file) as http:
        generate(http)
    return json.loads(state_file.read_bytes())


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda doc: b"{not json", "not a state file of this mock"),
        (lambda doc: {**doc, "format": "other/9"}, "format"),
        (
            lambda doc: {**doc, "format": "gamifyhost-mock-state/1"},
            "written as gamifyhost-mock-state/1 by another version",
        ),
        (lambda doc: {k: v for k, v in doc.items() if k != "redeemed"}, "'redeemed' is a required property"),
        (
            lambda doc: {**doc, "batches": [{**doc["batches"][0], "batch_size": "100"}]},
            "batches.0.batch_size",
        ),
        (lambda doc: {**doc, "batches": [{**doc["batches"][0], "digests": "AAAA"}]}, "8-byte digests"),
        (lambda doc: {**doc, "batches": [{**doc["batches"][0], "digests": "%%%"}]}, "not base64"),
        (lambda doc: {**doc, "batches": [{**doc["batches"][0], "created_at": "noon"}]}, "noon"),
        (lambda doc: {**doc, "digest_key": "xyz"}, "digest_key"),
        (lambda doc: [], "top level"),
    ],
)
def test_a_corrupt_state_file_stops_the_start_with_a_clear_message(
    state_file: Path, damage: Any, expected: str
) -> None:
    damaged = damage(saved_document(state_file))
    state_file.write_bytes(damaged if isinstance(damaged, bytes) else json.dumps(damaged).encode())
    with pytest.raises(StateFileError) as raised:
        create_app(state_file=state_file)
    assert str(state_file) in str(raised.value) and expected in str(raised.value)


def without_summer_promo(tmp_path: Path) -> Path:
    document = yaml.safe_load((DEFAULT_FIXTURES / "default.yaml").read_text(encoding="utf-8"))
    acme = document["partners"][0]
    acme["campaigns"] = [
        c for c in acme["campaigns"] if c["slug"] != "summer-promo" or c["environment"] != "TEST"
    ]
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def changed_fixture_batch(tmp_path: Path) -> Path:
    text = (DEFAULT_FIXTURES / "default.yaml").read_text(encoding="utf-8")
    path = tmp_path / "fixtures.yaml"
    path.write_text(text.replace("pointsValue: 500", "pointsValue: 501"), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fixtures", "expected"),
    [
        (without_summer_promo, "the fixtures have no TEST campaign 'summer-promo'"),
        (changed_fixture_batch, f"batch {FIXTURE_BATCH} is not the one the fixtures define"),
    ],
)
def test_a_state_file_of_other_fixtures_stops_the_start(
    state_file: Path, fixtures: Any, expected: str
) -> None:
    saved_document(state_file)
    with pytest.raises(StateFileError, match="does not match the fixtures") as raised:
        create_app(fixtures(state_file.parent), state_file=state_file)
    assert expected in str(raised.value)


def test_fixtures_may_gain_partners_and_campaigns(state_file: Path, tmp_path: Path) -> None:
    document = saved_document(state_file)
    fixtures = yaml.safe_load((DEFAULT_FIXTURES / "default.yaml").read_text(encoding="utf-8"))
    fixtures["partners"].append(
        {"name": "Hooli", "applications": [{"name": "H", "keys": [{"secret": "sk_test_hooli_secret_1"}]}],
         "campaigns": [{"slug": "nucleus", "name": "Nucleus", "environment": "TEST", "status": "active"}]}
    )  # fmt: skip
    (tmp_path / "more.yaml").write_text(yaml.safe_dump(fixtures), encoding="utf-8")
    with TestClient(create_app(tmp_path / "more.yaml", state_file=state_file)) as http:
        assert len(batches(http)) == 3  # summer-promo's two and the one generated
        assert len(document["batches"]) == 5  # and one each of spring-launch and autumn-2024


def test_a_fixture_batch_missing_from_the_file_stops_the_start(state_file: Path) -> None:
    document = saved_document(state_file)
    document["batches"] = [b for b in document["batches"] if b["id"] != FIXTURE_BATCH]
    state_file.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(StateFileError, match=f"the fixtures' batch {FIXTURE_BATCH} is missing"):
        create_app(state_file=state_file)


def test_a_state_file_in_a_missing_directory_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="its directory does not exist"):
        create_app(state_file=tmp_path / "nowhere" / "state.json")


def test_the_command_line_reports_a_bad_state_file(
    state_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file.write_text("[]", encoding="utf-8")
    assert main(["--state-file", str(state_file), "--port", "1"]) == 2
    assert capsys.readouterr().err.startswith(f"gamifyhost-mock: bad state file: {state_file}")


@pytest.fixture
def serve(state_file: Path) -> Iterator[Any]:
    """Starts `python -m mockserver --state-file ...` as its own process; stops whatever is left."""
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        argv = [
            "--port",
            str(port),
            "--state-file",
            str(state_file),
            "--freeze-time",
            FROZEN,
            "--no-access-log",
        ]
        process = subprocess.Popen([sys.executable, "-m", "mockserver", *argv], stderr=subprocess.PIPE)
        processes.append(process)
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                httpx.get(f"{base_url}/__mock/health", timeout=1).raise_for_status()
                return process, base_url
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the mock did not start within 20 s"
                time.sleep(0.1)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_state_survives_a_real_restart_of_the_command(serve: Any, state_file: Path) -> None:
    process, base_url = serve()
    with httpx.Client(base_url=base_url) as http:
        codes = mutate(http)
        before = observed(http, codes)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    assert state_file.exists()
    _, base_url = serve()
    with httpx.Client(base_url=base_url) as http:
        assert observed(http, codes) == before
        assert_error(redeem(http, codes[0]), 409, "Code status is REDEEMED")
