"""The image, run as integrators run it: what it holds, what it serves, how it stops, what it keeps."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import podman_kit
from podman_kit import ACME, ROOT, call, generate, podman, started

from conformance.kit.local import DEFAULTS


def test_the_containerfile_builds_on_the_official_slim_image_unless_told_otherwise() -> None:
    text = (ROOT / "Containerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.12-slim$", text, re.MULTILINE)
    stages = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert stages == ["${BASE}", "${BASE}"], stages  # two stages, both on the build argument


def test_the_image_holds_the_installed_wheel_and_no_compiler_sources_or_wheel(image: str) -> None:
    leftovers = podman(
        "run",
        "--rm",
        image,
        "sh",
        "-c",
        "for p in gcc cc c++ make; do command -v $p; done; "
        "ls -d /src /wheels /tmp/build /data/*.py 2>/dev/null; true",
    )
    assert leftovers.stdout.strip() == "", f"left in the image: {leftovers.stdout}"
    versions = podman(
        "run",
        "--rm",
        image,
        "python3",
        "-c",
        "import importlib.metadata as m, psycopg, psycopg_pool, mockserver, conformance; "
        "print(m.version('gamifyhost-mock'), mockserver.__file__)",
    ).stdout
    assert "/opt/gamifyhost/lib/" in versions and "site-packages/mockserver/" in versions, versions
    assert (
        "usage: gamifyhost-conformance"
        in podman("run", "--rm", image, "gamifyhost-conformance", "--help").stdout
    )


def test_the_mock_runs_as_a_user_of_its_own_and_declares_its_health_check(image: str) -> None:
    found = podman_kit.inspect(image)
    config = found["Config"]
    assert config["User"] == "gamifyhost"
    assert podman("run", "--rm", image, "id", "-u").stdout.strip() == "10001"
    health = found["Healthcheck"]
    assert health["Test"] == ["CMD", "python3", "-m", "mockserver.kit.probe"], health
    assert config["Cmd"] == ["gamifyhost-mock"] and not config.get("Entrypoint")
    assert "8000/tcp" in config["ExposedPorts"]


def test_it_serves_the_bundled_fixtures_on_all_addresses_and_its_health_check_passes(image: str) -> None:
    with started() as mock:
        health = call("GET", f"{mock.base_url}/__mock/health")
        assert health[0] == 200 and health[1]["data"]["store"] == "memory", health
        batch = generate(mock.base_url, 5)
        assert len(batch["codes"]) == 5 and all(code.startswith("SUMM-") for code in batch["codes"])
        checked = podman("healthcheck", "run", mock.name, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        logs = mock.logs()
        assert "Uvicorn running on http://0.0.0.0:8000" in logs
        # Reached from beyond loopback, with no token: it says so.
        assert "warning: the admin API under /__mock/ is open to anyone who reaches 0.0.0.0:8000" in logs


def test_sigterm_stops_it_cleanly_within_five_seconds(image: str) -> None:
    with started() as mock:
        generate(mock.base_url)
        sent = time.monotonic()
        podman("kill", "--signal", "TERM", mock.name)
        exit_code = int(podman("wait", mock.name, timeout=30).stdout.strip())
        took = time.monotonic() - sent
        logs = mock.logs()
    podman_kit.FIGURES_OF_TESTS["SIGTERM"] = f"exit code {exit_code} after {took:.2f} s"
    assert exit_code == 0, logs
    assert took <= 5, f"SIGTERM took {took:.1f} s"
    assert "Finished server process" in logs and "Traceback" not in logs


def test_the_images_conformance_cli_finds_a_mock_container_conformant(image: str) -> None:
    with started() as mock:
        inputs = [part for option, value in DEFAULTS.items() for part in (option, value)]
        run = podman(
            "run",
            "--rm",
            "--network",
            "host",
            image,
            "gamifyhost-conformance",
            "--base-url",
            mock.base_url,
            *inputs,
            "--operations",
            "generate,batches,verify,stats,redeem",
            check=False,
            timeout=600,
        )
    said = [line.strip() for line in run.stdout.splitlines() if "rules judged" in line or "Verdict" in line]
    podman_kit.FIGURES_OF_TESTS["conformance from the image"] = f"exit {run.returncode}; {'; '.join(said)}"
    assert run.returncode == 0 and "Verdict: CONFORMANT" in run.stdout, (
        run.stdout[-3000:] + run.stderr[-2000:]
    )


def test_a_sqlite_store_on_a_volume_keeps_a_batch_across_two_containers(image: str) -> None:
    volume = f"gamifyhost-test-{uuid.uuid4().hex[:10]}"
    podman("volume", "create", volume)
    store = {"GAMIFYHOST_MOCK_STORE": "sqlite:////data/state.db"}
    label = f"kept {volume}"
    try:
        with started("-v", f"{volume}:/data", environment=store) as first:
            batch = generate(first.base_url, 7, label)
            podman("stop", "-t", "10", first.name)
        with started("-v", f"{volume}:/data", environment=store) as second:
            status, listed = call(
                "GET",
                f"{second.base_url}/v1/campaigns/codes/batches?slug=summer-promo&limit=100",
                headers=ACME,
            )
            kept = [b for b in listed["data"]["batches"] if b["label"] == label]
            assert status == 200 and [b["id"] for b in kept] == [batch["batch"]["id"]], listed
            status, verified = call(
                "POST", f"{second.base_url}/v1/campaigns/codes/verify", {"code": batch["codes"][0]}, ACME
            )
            assert verified["data"]["status"] == "ACTIVE", verified
            files = podman("run", "--rm", "-v", f"{volume}:/data", image, "ls", "-ln", "/data").stdout
            assert re.search(r"10001\s+10001\s+\d+ .* state\.db", files), files
    finally:
        podman("volume", "rm", "-f", volume, check=False)


def test_fixtures_come_from_a_mounted_file(image: str, tmp_path: Path) -> None:
    mounted = tmp_path / "fixtures.yaml"
    mounted.write_text(
        (ROOT / "fixtures" / "default.yaml")
        .read_text()
        .replace("sk_test_acme_mock_secret", "sk_test_mounted_secret")
    )
    mounted.chmod(0o644)
    environment = {"GAMIFYHOST_MOCK_FIXTURES": "/etc/gamifyhost/fixtures.yaml"}
    with started("-v", f"{mounted}:/etc/gamifyhost/fixtures.yaml:ro", environment=environment) as mock:
        generate(mock.base_url, headers={"X-API-Secret": "sk_test_mounted_secret"})
        status, refused = call(
            "GET", f"{mock.base_url}/v1/campaigns/codes/batches?slug=summer-promo", headers=ACME
        )
        assert status == 401, refused


def test_a_bad_variable_is_refused_at_start_in_one_line_naming_it(image: str) -> None:
    run = podman("run", "--rm", "-e", "GAMIFYHOST_MOCK_SEED=twelve", image, check=False, timeout=60)
    assert run.returncode == 2
    assert (
        run.stderr.strip() == "gamifyhost-mock: bad GAMIFYHOST_MOCK_SEED='twelve': not a valid int: 'twelve'"
    ), run.stderr


def test_the_admin_token_keeps_strangers_out(image: str) -> None:
    token = uuid.uuid4().hex
    with started(environment={"GAMIFYHOST_MOCK_ADMIN_TOKEN": token}) as mock:
        stranger = call("GET", f"{mock.base_url}/__mock/partners")
        wrong = call("POST", f"{mock.base_url}/__mock/reset", headers={"Authorization": "Bearer not-it"})
        member = call("GET", f"{mock.base_url}/__mock/partners", headers={"Authorization": f"Bearer {token}"})
        probe = call("GET", f"{mock.base_url}/__mock/health")
        logs = mock.logs()
    podman_kit.FIGURES_OF_TESTS["admin token"] = (
        f"without: {stranger[0]} {stranger[1]['message']!r}; wrong: {wrong[0]}; with: {member[0]}, "
        f"{len(member[1]['data']['partners'])} partners; health without: {probe[0]} {probe[1]['data']}"
    )
    assert stranger[0] == 401 and stranger[1]["status"] == "error" and stranger[1]["code"] == 401
    assert wrong[0] == 401
    assert member[0] == 200 and member[1]["data"]["partners"]
    assert probe == (200, {"status": "success", "data": {"healthy": True}})
    assert "warning" not in logs and token not in logs
