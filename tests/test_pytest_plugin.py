"""The pytest plugin (`gamifyhost_mock` fixture) and `mockserver.running`, as integrators use them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from helpers_kit import FROZEN, GENERATE, auth, batches, generate, plain_client

import mockserver
from mockserver import RunningMock, create_app

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_examples() -> list[str]:
    """The Python blocks of the README's section "Use it from your tests", in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use it from your tests", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def run_pytest(folder: Path) -> subprocess.CompletedProcess[str]:
    """pytest in its own process on `folder`, as an integrator's project would run it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fixture_serves_a_mock_with_the_fixtures_secrets(gamifyhost_mock: RunningMock) -> None:
    assert gamifyhost_mock.secrets == {
        "acme_test": "sk_test_acme_mock_secret",
        "acme_live": "sk_live_acme_mock_secret",
        "globex_test": "sk_test_globex_mock_secret",
    }
    unusable = {key.secret for key in gamifyhost_mock.keys if not key.usable}
    assert unusable == {"sk_test_acme_revoked_secret", "sk_test_initech_inactive_app"}
    with httpx.Client(base_url=gamifyhost_mock.base_url) as http:
        assert len(batches(http)) == 2
        generate(http)
    assert [entry["path"] for entry in gamifyhost_mock.requests()] == [
        "/v1/campaigns/codes/batches",
        GENERATE,
    ]


def test_the_readme_example_passes_in_an_integrators_project(tmp_path: Path) -> None:
    example, _, snippet, tenant_example = readme_examples()
    (tmp_path / "test_0_untouched.py").write_text(
        textwrap.dedent("""
            import sys

            def test_the_plugin_imports_nothing_heavy_until_a_test_asks():
                assert "mockserver.app" not in sys.modules and "uvicorn" not in sys.modules
        """),
        encoding="utf-8",
    )
    (tmp_path / "test_tenants.py").write_text(tenant_example, encoding="utf-8")
    (tmp_path / "test_rewards.py").write_text(
        example
        + "\n\ndef test_the_context_manager_snippet():\n"
        + textwrap.indent(snippet.replace("import mockserver\n", "import mockserver\n\n"), "    ")
        + textwrap.dedent("""

            def test_each_test_starts_from_the_fixtures(gamifyhost_mock):
                assert gamifyhost_mock.requests() == []
                url = gamifyhost_mock.base_url + "/v1/campaigns/codes/batches?slug=summer-promo"
                response = httpx.get(url, headers={"X-API-Secret": gamifyhost_mock.secrets["acme_test"]})
                assert response.json()["data"]["total"] == 2
        """),
        encoding="utf-8",
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    written = sum(path.read_text().count("\ndef test_") for path in tmp_path.glob("test_*.py"))
    assert written >= 5 and f"{written} passed" in result.stdout, result.stdout


def test_options_fixture_seeds_and_freezes_the_sessions_mock(tmp_path: Path) -> None:
    expected = generate(plain_client(create_app(seed=5, freeze_time=FROZEN)))["codes"]
    _, options, _, _ = readme_examples()
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n"
        + options.replace('"seed": 1', '"seed": 5').replace("2025-06-01T12:00:00Z", FROZEN),
        encoding="utf-8",
    )
    (tmp_path / "test_seeded.py").write_text(
        textwrap.dedent(f'''
            import httpx

            def generated(mock):
                body = {{"slug": "summer-promo", "batchSize": 3, "pointsValue": 250}}
                headers = {{"X-API-Secret": mock.secrets["acme_test"]}}
                return httpx.post(mock.base_url + "{GENERATE}", json=body, headers=headers).json()["data"]

            def test_first(gamifyhost_mock):
                assert generated(gamifyhost_mock)["codes"] == {expected!r}

            def test_reset_replays_the_seed(gamifyhost_mock):
                data = generated(gamifyhost_mock)
                assert (data["codes"], data["batch"]["createdAt"]) == ({expected!r}, "{FROZEN}")
        '''),
        encoding="utf-8",
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout, result.stdout


def test_a_failing_integrator_test_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "test_wrong.py").write_text(
        "def test_wrong_secret(gamifyhost_mock):\n    assert gamifyhost_mock.secrets['acme_test'] == ''\n",
        encoding="utf-8",
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout + result.stderr


def test_running_serves_a_fresh_mock_per_block() -> None:
    with mockserver.running(seed=3) as first, httpx.Client(base_url=first.base_url) as http:
        generate(http)
        assert len(batches(http)) == 3
        response = http.get("/v1/campaigns/codes/stats", params={"slug": "summer-promo"}, headers=auth())
        assert response.status_code == 200
    with mockserver.running(seed=3) as second, httpx.Client(base_url=second.base_url) as http:
        assert len(batches(http)) == 2
    with pytest.raises(httpx.TransportError):  # the first mock stopped with its block
        httpx.get(f"{first.base_url}/__mock/health", timeout=1)
