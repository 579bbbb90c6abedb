"""`gamifyhost_tenant`: tests running at once on one mock, each with a partner of its own.

Run as an integrator would: example tests in a directory of their own, under `pytest -n 2`
in a subprocess, both workers pointed at one mock with `--gamifyhost-mock-url`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

import mockserver

EXAMPLES = """
import time

import httpx
import pytest

GENERATE = "/v1/campaigns/codes/generate"
STATS = "/v1/campaigns/codes/stats"
VERIFY = "/v1/campaigns/codes/verify"


def generate(tenant, count, live=False):
    response = httpx.post(
        tenant.base_url + GENERATE,
        json={"slug": tenant.slug, "batchSize": count, "pointsValue": 10},
        headers=tenant.headers(live),
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["codes"]


def verify(tenant, code):
    response = httpx.post(tenant.base_url + VERIFY, json={"code": code}, headers=tenant.headers())
    return response.json()["data"]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_stats_count_this_tests_codes_only(gamifyhost_tenant, count):
    generate(gamifyhost_tenant, count)
    time.sleep(0.3)  # the other worker generates meanwhile, on the same mock
    generate(gamifyhost_tenant, count)
    tenant = gamifyhost_tenant
    response = httpx.get(tenant.base_url + STATS, params={"slug": tenant.slug}, headers=tenant.headers())
    stats = response.json()["data"]
    assert (stats["totalCodes"], stats["totalBatches"]) == (2 * count, 2)


def test_a_paused_campaign(gamifyhost_tenant):
    (code,) = generate(gamifyhost_tenant, 1)
    gamifyhost_tenant.pause()
    time.sleep(0.3)
    assert verify(gamifyhost_tenant, code)["message"] == "Campaign is not active"


def test_an_ended_campaign(gamifyhost_tenant):
    (code,) = generate(gamifyhost_tenant, 1)
    gamifyhost_tenant.end()
    time.sleep(0.3)
    verdict = verify(gamifyhost_tenant, code)
    assert (verdict["message"], verdict["expired"]) == ("Campaign has ended", True)


def test_a_revoked_key(gamifyhost_tenant):
    generate(gamifyhost_tenant, 1, live=True)
    gamifyhost_tenant.revoke_key()
    time.sleep(0.3)
    tenant = gamifyhost_tenant
    response = httpx.post(tenant.base_url + VERIFY, json={"code": "X"}, headers=tenant.headers())
    assert (response.status_code, response.json()["message"]) == (403, "API key has been revoked")
    assert generate(gamifyhost_tenant, 1, live=True)  # the LIVE key still works
"""


def test_tests_in_two_workers_on_one_mock_each_see_only_their_own_tenant(tmp_path: Path) -> None:
    (tmp_path / "test_examples.py").write_text(textwrap.dedent(EXAMPLES))
    with mockserver.running() as mock:
        partners_before = len(mock.partners())
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-n",
                "2",
                "-v",
                "-p",
                "no:cacheprovider",
                "--gamifyhost-mock-url",
                mock.base_url,
                "test_examples.py",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
        print(run.stdout[-1500:])
        assert run.returncode == 0, run.stdout + run.stderr
        assert "8 passed" in run.stdout
        workers = set(re.findall(r"^\[(gw\d)\] .* PASSED ", run.stdout, re.MULTILINE))
        assert workers == {"gw0", "gw1"}  # both workers ran tests, at once
        # Every test added its partner to this one mock, and none of them reset it.
        added = mock.partners()[partners_before:]
        assert len(added) == 8
        assert (
            sum(c["stats"]["totalCodes"] for p in added for c in p["campaigns"])
            == 2 * (1 + 2 + 3 + 4 + 5) + 1 + 1 + 2
        )


def test_a_tenant_on_the_plugins_own_mock_next_to_gamifyhost_mock(tmp_path: Path) -> None:
    """Without a URL the plugin starts a mock of its own; asked for after the tenant, the reset
    of `gamifyhost_mock` still comes first, and leaves the tenant in place."""
    (tmp_path / "test_one.py").write_text(
        textwrap.dedent(
            """
            import httpx

            def test_tenant(gamifyhost_tenant, gamifyhost_mock):
                assert gamifyhost_tenant.base_url == gamifyhost_mock.base_url
                response = httpx.get(
                    gamifyhost_tenant.base_url + "/v1/campaigns/codes/stats",
                    params={"slug": gamifyhost_tenant.slug},
                    headers=gamifyhost_tenant.headers(live=True),
                )
                assert response.json()["data"]["totalCodes"] == 0
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_one.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_admin_client_drives_tenants_over_real_http() -> None:
    with mockserver.running(freeze_time="2026-03-01T00:00:00Z") as mock:
        tenant = mockserver.new_tenant(mock, name="Client Tenant")
        assert tenant.test_secret.startswith("sk_test_") and tenant.live_secret.startswith("sk_live_")
        ended = mock.update_campaign(tenant.campaign_id, ends_at=datetime(2026, 2, 1))  # naive: UTC
        assert (ended["status"], ended["endsAt"], ended["ended"]) == ("active", "2026-02-01T00:00:00Z", True)
        assert tenant.activate()["ended"] is False
        assert tenant.stats()["totalCodes"] == 0
        with pytest.raises(mockserver.AdminError) as missing:
            mock.update_campaign("no-such-campaign", status="paused")
        assert (missing.value.status, missing.value.message) == (404, "Campaign not found")
        with pytest.raises(mockserver.AdminError) as taken:
            mock.add_partner(
                {"name": "Again", "applications": [{"name": "A", "keys": [{"secret": tenant.test_secret}]}]}
            )
        assert (taken.value.status, taken.value.message) == (409, "A secret is in use already")
        with pytest.raises(TypeError, match="takes status and ends_at, not colour"):
            mock.update_campaign(tenant.campaign_id, colour="red")
        tenant.revoke_key()
        assert [
            key["revoked"] for p in mock.partners() if p["id"] == tenant.partner_id for key in p["keys"]
        ] == [
            True,
            False,
        ]
