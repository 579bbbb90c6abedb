"""The durable stores across restarts: what was answered is there again, and a store the mock
cannot read is refused at start, by name.

Each test runs on SQLite and on PostgreSQL (a schema of its own). Crashes are in
test_crashes.py, failing disks in test_store_failures.py, several instances in test_shared_store.py.
"""

from __future__ import annotations

import signal
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
from mock_process import mock_process
from starlette.testclient import TestClient
from stores_kit import DURABLE, execute

from mockserver import StoreError, create_app
from mockserver.contract.fixtures import DEFAULT_FIXTURES
from mockserver.kit.cli import main
from mockserver.stores import schema

durable = pytest.mark.parametrize("store_kind", DURABLE)


def started(store_url: str, fixtures: Path | None = None, **options: Any) -> TestClient:
    """A client whose app runs its lifespan (opening and closing the store) until it is closed."""
    return TestClient(create_app(fixtures, store=store_url, **options), raise_server_exceptions=False)


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


@durable
def test_state_survives_a_restart_in_process(store_url: str) -> None:
    with started(store_url, freeze_time=FROZEN) as http:
        codes = mutate(http)
        before = observed(http, codes)
    with started(store_url, freeze_time=FROZEN) as http:
        assert observed(http, codes) == before
        assert_error(redeem(http, codes[0]), 409, "Code status is REDEEMED")
    assert [v["status"] for v in before["codes"]] == [
        "REDEEMED",
        "REVOKED",
        "ACTIVE",
        "ACTIVE",
        "REDEEMED",
        "ACTIVE",
    ]
    assert before["clock"] == "2025-06-01T14:00:00Z"


@durable
def test_codes_drawn_after_a_restart_do_not_repeat_kept_ones(store_url: str) -> None:
    with started(store_url, seed=1) as http:
        first = generate(http, count=50)["codes"]
    with started(store_url, seed=1) as http:  # the same seed draws the same codes again
        second = generate(http, count=50)["codes"]
        assert set(first).isdisjoint(second)
        assert {verify(http, code)["status"] for code in first + second} == {"ACTIVE"}


@durable
def test_a_reset_is_kept_too(store_url: str) -> None:
    with started(store_url) as http:
        generate(http)
        admin_data(http.post("/__mock/clock", json={"advanceSeconds": 600}))
        admin_data(http.post("/__mock/reset"))
    with started(store_url, freeze_time=FROZEN) as http:
        assert len(batches(http)) == 2
        assert admin_data(http.get("/__mock/clock"))["now"] == FROZEN


def test_the_memory_store_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with TestClient(create_app()) as http:
        generate(http)
    assert list(tmp_path.iterdir()) == []


def test_a_state_file_is_a_sqlite_store(tmp_path: Path) -> None:
    with TestClient(create_app(state_file=tmp_path / "state.db")) as http:
        code = generate(http, count=1)["codes"][0]
    with started(f"sqlite:///{tmp_path / 'state.db'}") as http:  # four slashes: an absolute path
        assert verify(http, code)["status"] == "ACTIVE"
        assert admin_data(http.get("/__mock/health"))["store"] == f"sqlite:///{tmp_path / 'state.db'}"
    with pytest.raises(ValueError, match="either store or state_file"):
        create_app(store=f"sqlite:///{tmp_path / 'other.db'}", state_file=tmp_path / "state.db")


def test_a_sqlite_url_of_three_slashes_is_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As SQLAlchemy reads it: sqlite:///rel.db is ./rel.db, never /rel.db."""
    monkeypatch.chdir(tmp_path)
    with TestClient(create_app(store="sqlite:///rel.db")) as http:
        code = generate(http, count=1)["codes"][0]
        assert admin_data(http.get("/__mock/health"))["store"] == f"sqlite:///{tmp_path / 'rel.db'}"
    assert (tmp_path / "rel.db").is_file() and not Path("/rel.db").exists()
    (tmp_path / "data").mkdir()
    with TestClient(create_app(store="sqlite:///data/../rel.db")) as http:
        assert verify(http, code)["status"] == "ACTIVE"


@durable
def test_fixtures_may_gain_partners_and_campaigns(store_url: str, tmp_path: Path) -> None:
    with started(store_url) as http:
        generate(http)
    fixtures = yaml.safe_load((DEFAULT_FIXTURES / "default.yaml").read_text(encoding="utf-8"))
    fixtures["partners"].append(
        {"name": "Hooli", "applications": [{"name": "H", "keys": [{"secret": "sk_test_hooli_secret_1"}]}],
         "campaigns": [{"slug": "nucleus", "name": "Nucleus", "environment": "TEST", "status": "active"}]}
    )  # fmt: skip
    (tmp_path / "more.yaml").write_text(yaml.safe_dump(fixtures), encoding="utf-8")
    with started(store_url, tmp_path / "more.yaml") as http:
        assert len(batches(http)) == 3  # summer-promo's two and the one generated
        hooli = {"X-API-Secret": "sk_test_hooli_secret_1"}
        body = {"slug": "nucleus", "batchSize": 2, "pointsValue": 5}
        assert http.post("/v1/campaigns/codes/generate", json=body, headers=hooli).status_code == 200


@durable
def test_a_store_missing_a_fixture_batch_stops_the_start(store_url: str) -> None:
    with started(store_url):
        pass
    execute(store_url, f"DELETE FROM events WHERE kind = 'batch' AND body LIKE '%{FIXTURE_BATCH}%'")
    with pytest.raises(StoreError, match=f"the fixtures' batch {FIXTURE_BATCH} is missing from it"):
        create_app(store=store_url)


@durable
def test_a_store_of_a_newer_version_is_refused_by_name(store_url: str) -> None:
    with started(store_url):
        pass
    execute(store_url, "UPDATE mock_meta SET value = '99' WHERE name = 'schema'")
    with pytest.raises(StoreError, match=r"made by a newer version of gamifyhost-mock \(schema 99\)"):
        create_app(store=store_url)


@durable
def test_a_store_of_an_older_version_is_upgraded(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with started(store_url) as http:
        code = generate(http, count=1)["codes"][0]
    # Version 3, as a later release would add it: one more column.
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(schema, "MIGRATIONS", [lambda _dialect: ["ALTER TABLE events ADD COLUMN note TEXT"]])
    with started(store_url) as http:
        assert verify(http, code)["status"] == "ACTIVE"
    assert execute(store_url, "SELECT value FROM mock_meta WHERE name = 'schema'") == [("3",)]
    assert execute(store_url, "SELECT count(note) FROM events") == [(0,)]


@durable
def test_a_store_of_the_first_schema_is_refused_by_name_and_left_as_it_was(store_url: str) -> None:
    """Schema 1: a table per record, as gamifyhost-mock 0.1.0 made it."""
    execute(store_url, "CREATE TABLE mock_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    execute(store_url, "INSERT INTO mock_meta (name, value) VALUES ('schema', '1')")
    execute(
        store_url, "CREATE TABLE partners (id TEXT PRIMARY KEY, name TEXT NOT NULL, position BIGINT NOT NULL)"
    )
    with pytest.raises(
        StoreError, match=r"made by an older version of gamifyhost-mock \(schema 1, a table per record\)"
    ):
        create_app(store=store_url)
    assert execute(store_url, "SELECT value FROM mock_meta WHERE name = 'schema'") == [("1",)]


@durable
def test_tables_of_another_program_are_refused(store_url: str) -> None:
    execute(store_url, "CREATE TABLE events (id INTEGER)")
    with pytest.raises(StoreError, match="tables of another program"):
        create_app(store=store_url)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"format": "gamifyhost-mock-state/2", "batches": []}', "a JSON state file of an older version"),
        (b"batch,code\n1,SUMM-AX7K9M2P\n", "not a SQLite database"),
    ],
)
def test_a_file_that_is_not_a_sqlite_store_is_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=expected):
        create_app(state_file=path)
    assert path.read_bytes() == content  # left as it was


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite://relative/state.db", "sqlite:///RELATIVE/PATH .* or sqlite:////ABSOLUTE/PATH"),
        ("sqlite://", "sqlite:///RELATIVE/PATH"),
        ("sqlite:////nowhere/at/all/state.db", "its directory does not exist"),
        ("sqlite:////tmp/state.db?synchronous=sometimes", "synchronous must be one of normal, full"),
        ("mysql://localhost/db", "not a store"),
        ("postgresql://nobody:secret@127.0.0.1:1/db", "cannot connect"),
    ],
)
def test_a_store_url_the_mock_cannot_use_is_refused(url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected) as raised:
        create_app(store=url)
    assert "secret" not in str(raised.value)  # a password is never shown


def test_the_command_line_says_what_is_wrong_with_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "state.json").write_text("[]", encoding="utf-8")
    assert main(["--state-file", str(tmp_path / "state.json"), "--port", "1"]) == 2
    assert capsys.readouterr().err.startswith(f"gamifyhost-mock: bad store: {tmp_path / 'state.json'}")
    assert main(["--store", "sqlite://state.db", "--port", "1"]) == 2
    assert "sqlite:///RELATIVE/PATH" in capsys.readouterr().err
    # The old absolute spelling is now a relative path; the message says how to write the absolute one.
    assert main(["--store", f"sqlite://{tmp_path / 'state.db'}", "--port", "1"]) == 2
    assert f"write sqlite:///{tmp_path / 'state.db'}: four slashes" in capsys.readouterr().err
    assert main(["--store", "memory", "--state-file", "x.db", "--port", "1"]) == 2
    assert "not both" in capsys.readouterr().err


@durable
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_state_survives_a_real_restart_of_the_command(store_url: str, tmp_path: Path, stop: int) -> None:
    argv = ("--store", store_url, "--freeze-time", FROZEN, "--no-access-log")
    with mock_process(*argv, output=tmp_path / "first.log") as (process, base_url):
        with httpx.Client(base_url=base_url) as http:
            codes = mutate(http)
            before = observed(http, codes)
        process.send_signal(stop)
        assert process.wait(timeout=15) == 0, (tmp_path / "first.log").read_text()
    with mock_process(*argv, output=tmp_path / "second.log") as (process, base_url):
        with httpx.Client(base_url=base_url) as http:
            assert observed(http, codes) == before
            assert_error(redeem(http, codes[0]), 409, "Code status is REDEEMED")
        process.send_signal(stop)
        assert process.wait(timeout=15) == 0, (tmp_path / "second.log").read_text()
    if store_url.startswith("sqlite:"):  # a clean stop folds the write-ahead log into the file
        assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("state.db")) == [
            "state.db"
        ]
