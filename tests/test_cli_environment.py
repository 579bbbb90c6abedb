"""gamifyhost-mock configured by environment, as containers are: every option has a variable,
a flag wins over it, `--help` names it, and a bad value stops the mock in one line naming it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from mock_process import mock_process

from mockserver.kit.cli import UsageError, open_admin_warning, options, parse, parser, store_of, variable_of

# A text for each option's variable, and what the option then holds. A new option needs a line here.
SAMPLES: dict[str, tuple[str, object]] = {
    "host": ("0.0.0.0", "0.0.0.0"),
    "port": ("8123", 8123),
    "fixtures": ("/etc/gamifyhost/fixtures.yaml", "/etc/gamifyhost/fixtures.yaml"),
    "no_access_log": ("true", True),
    "no_admin": ("1", True),
    "admin_token": ("a-long-random-token", "a-long-random-token"),
    "seed": ("42", 42),
    "freeze_time": ("2030-01-01T00:00:00Z", datetime(2030, 1, 1, tzinfo=UTC)),
    "latency_ms": ("250", 250),
    "error_rate": ("0.25", 0.25),
    "store": ("sqlite:////data/state.db", "sqlite:////data/state.db"),
    "state_file": ("state.db", "state.db"),
    "workers": ("3", 3),
    "ssl_certfile": ("cert.pem", "cert.pem"),
    "ssl_keyfile": ("key.pem", "key.pem"),
}


def environment(**variables: str) -> dict[str, str]:
    """The test process's environment, without any GAMIFYHOST_MOCK_ variable but these."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("GAMIFYHOST_MOCK_")}
    return {**kept, **variables}


def test_every_option_has_a_variable_named_after_it_that_sets_it() -> None:
    found = {action.dest: action for action in options(parser())}
    assert set(found) == set(SAMPLES), "give each new option a sample here"
    for dest, (text, value) in SAMPLES.items():
        variable = variable_of(found[dest])
        assert variable == "GAMIFYHOST_MOCK_" + found[dest].option_strings[-1][2:].upper().replace("-", "_")
        assert getattr(parse([], {variable: text}), dest) == value, variable
        assert getattr(parse([], {}), dest) == found[dest].default  # unset: the option's default


def test_a_flag_wins_over_its_variable_and_an_empty_variable_is_unset() -> None:
    assert parse(["--port", "9001"], {"GAMIFYHOST_MOCK_PORT": "9002"}).port == 9001
    assert parse(["--seed=7"], {"GAMIFYHOST_MOCK_SEED": "8"}).seed == 7
    assert parse([], {"GAMIFYHOST_MOCK_PORT": ""}).port == 8000
    assert parse([], {"GAMIFYHOST_MOCK_NO_ADMIN": "off"}).no_admin is False


def test_the_store_flag_and_the_state_file_flag_each_win_over_the_others_variable() -> None:
    assert store_of(parse(["--state-file", "x.db"], {"GAMIFYHOST_MOCK_STORE": "memory"})).endswith("/x.db")
    assert store_of(parse(["--store", "memory"], {"GAMIFYHOST_MOCK_STATE_FILE": "x.db"})) == "memory"
    for both in (
        (["--store", "memory", "--state-file", "x.db"], {}),
        ([], {"GAMIFYHOST_MOCK_STORE": "memory", "GAMIFYHOST_MOCK_STATE_FILE": "x.db"}),
    ):
        with pytest.raises(UsageError, match="not both"):
            store_of(parse(*both))


@pytest.mark.parametrize(
    ("variable", "text", "said"),
    [
        ("GAMIFYHOST_MOCK_PORT", "eighty", "not a valid int: 'eighty'"),
        ("GAMIFYHOST_MOCK_PORT", "70000", "70000 is not between 0 and 65535"),
        ("GAMIFYHOST_MOCK_SEED", "1.5", "not a valid int: '1.5'"),
        ("GAMIFYHOST_MOCK_ERROR_RATE", "2", "2 is not between 0 and 1"),
        ("GAMIFYHOST_MOCK_FREEZE_TIME", "tomorrow", "not an RFC 3339 date-time: 'tomorrow'"),
        ("GAMIFYHOST_MOCK_NO_ADMIN", "maybe", "a switch is one of 1, on, true, yes (or 0, false, no, off)"),
    ],
)
def test_a_bad_variable_stops_the_mock_in_one_line_that_names_it(variable: str, text: str, said: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mockserver"],
        env=environment(**{variable: text}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"gamifyhost-mock: bad {variable}={text!r}: {said}\n"


@pytest.mark.parametrize(
    ("variable", "text", "said"),
    [
        ("GAMIFYHOST_MOCK_STORE", "redis://x", "not a store: 'redis://x'"),
        ("GAMIFYHOST_MOCK_STATE_FILE", "/nonexistent/dir/x.db", "its directory does not exist"),
        ("GAMIFYHOST_MOCK_FIXTURES", "/nope.yaml", "no such fixtures file or directory"),
    ],
)
def test_a_store_or_fixtures_that_cannot_be_opened_name_the_variable_that_gave_them(
    variable: str, text: str, said: str
) -> None:
    command = [sys.executable, "-m", "mockserver"]
    run = subprocess.run(
        command, env=environment(**{variable: text}), capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith(f"gamifyhost-mock: bad {variable}={text!r}: ") and said in run.stderr


def test_a_variable_that_sets_nothing_is_warned_of_with_the_one_meant(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    with mock_process(output=log, env=environment(GAMIFYHOST_MOCK_PORTT="9", GAMIFYHOST_MOCK_URL="x")):
        pass
    warnings = [line for line in log.read_text().splitlines() if "warning" in line]
    assert warnings == [
        "gamifyhost-mock: warning: GAMIFYHOST_MOCK_PORTT is not a variable of gamifyhost-mock and sets "
        "nothing (did you mean GAMIFYHOST_MOCK_PORT?)"
    ]


def test_a_bad_token_is_refused_without_being_echoed() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mockserver"],
        env=environment(GAMIFYHOST_MOCK_ADMIN_TOKEN="secret with spaces"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "secret" not in run.stderr.replace("GAMIFYHOST", "")
    assert run.stderr.startswith("gamifyhost-mock: bad GAMIFYHOST_MOCK_ADMIN_TOKEN=(not shown): ")


def test_help_names_every_variable() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "mockserver", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    flat = " ".join(shown.split())
    for action in options(parser()):
        assert f"[{variable_of(action)}]" in flat, variable_of(action)
    assert "an option given on the command line wins over its variable" in flat


def test_a_mock_configured_by_variables_alone(tmp_path: Path) -> None:
    variables = environment(
        GAMIFYHOST_MOCK_STORE=f"sqlite:///{tmp_path}/state.db",
        GAMIFYHOST_MOCK_FREEZE_TIME="2031-02-03T04:05:06Z",
        GAMIFYHOST_MOCK_NO_ACCESS_LOG="yes",
    )
    with mock_process(output=tmp_path / "mock.log", env=variables) as (_process, base_url):
        health = httpx.get(f"{base_url}/__mock/health").json()["data"]
    assert health["store"] == f"sqlite:///{tmp_path}/state.db" and health["now"] == "2031-02-03T04:05:06Z"
    assert (tmp_path / "state.db").exists()
    assert '"GET /__mock/health' not in (tmp_path / "mock.log").read_text()  # no access log


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_the_start_says_where_the_mock_keeps_its_state(store: str, tmp_path: Path) -> None:
    argv = ["--store", f"sqlite:///{tmp_path}/state.db"] if store == "sqlite" else []
    log = tmp_path / "mock.log"
    with mock_process(*argv, output=log, env=environment()):
        pass
    said = [line for line in log.read_text().splitlines() if "State " in line]
    if store == "memory":
        assert said == [
            "INFO:     State in memory: gone when the mock stops "
            "(--store sqlite:///state.db keeps it in a file)"
        ]
    else:
        assert said == [
            f"INFO:     State kept in sqlite:///{tmp_path}/state.db: "
            "what the mock answered 200 for survives a restart"
        ]


@pytest.mark.parametrize(
    ("argv", "variables", "warned"),
    [
        (["--host", "0.0.0.0"], {}, True),
        (["--host", "0.0.0.0"], {"GAMIFYHOST_MOCK_ADMIN_TOKEN": "a-long-random-token"}, False),
        (["--host", "0.0.0.0", "--no-admin"], {}, False),
        ([], {}, False),
    ],
    ids=["open-beyond-loopback", "with-a-token", "admin-off", "loopback"],
)
def test_an_open_admin_api_beyond_loopback_is_warned_of_at_start(
    argv: list[str], variables: dict[str, str], warned: bool, tmp_path: Path
) -> None:
    log = tmp_path / "mock.log"
    with mock_process(*argv, output=log, env=environment(**variables)):
        pass
    lines = [line for line in log.read_text().splitlines() if "warning" in line]
    if warned:
        assert lines == [
            "gamifyhost-mock: warning: the admin API under /__mock/ is open to anyone who reaches "
            f"0.0.0.0:{_port_of(log)} (reset, the clock, partners, keys and campaigns): set --admin-token or "
            "GAMIFYHOST_MOCK_ADMIN_TOKEN, or turn it off with --no-admin"
        ]
    else:
        assert lines == []


def _port_of(log: Path) -> str:
    return log.read_text().split("Uvicorn running on http://0.0.0.0:")[1].split(" ")[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_addresses_are_not_warned_of(host: str) -> None:
    assert open_admin_warning(argparse.Namespace(host=host, port=1, no_admin=False, admin_token=None)) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "mock.internal"])
def test_every_other_address_is(host: str) -> None:
    assert open_admin_warning(argparse.Namespace(host=host, port=1, no_admin=False, admin_token=None))


@pytest.mark.parametrize("argv", [[], ["--no-admin"], ["--admin-token", "a-long-random-token"]])
def test_the_images_health_probe_finds_the_mock_where_its_variables_put_it(
    argv: list[str], tmp_path: Path
) -> None:
    with mock_process(*argv, output=tmp_path / "mock.log") as (_process, base_url):
        port = base_url.rpartition(":")[2]
        probe = [sys.executable, "-m", "mockserver.kit.probe"]
        variables = {"GAMIFYHOST_MOCK_PORT": port}
        if "--no-admin" in argv:
            variables["GAMIFYHOST_MOCK_NO_ADMIN"] = "1"
        up = subprocess.run(probe, env=environment(**variables), capture_output=True, text=True, timeout=30)
        assert up.returncode == 0, up.stderr
    down = subprocess.run(probe, env=environment(**variables), capture_output=True, text=True, timeout=30)
    assert down.returncode == 1 and "probe: http://127.0.0.1:" in down.stderr
