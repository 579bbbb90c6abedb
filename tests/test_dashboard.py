"""The dashboard at /__mock/, in a real headless Chromium against a mock served over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_browser import launched_chromium
from helpers_kit import ACME_TEST, FIXTURE_CAMPAIGN_ID, GENERATE, VERIFY, assert_error, auth, plain_client

import mockserver
from mockserver import create_app

LIVE_UPDATE_MS = 5000  # the page polls every second: a change shows within this
CONFORMANCE_INPUTS = [
    "--api-secret", "sk_test_acme_mock_secret", "--slug", "summer-promo",
    "--foreign-secret", "sk_test_globex_mock_secret", "--ended-slug", "autumn-2024",
    "--paused-slug", "spring-launch", "--operations", "generate,batches,verify,stats,redeem",
    "--max-examples", "5", "--seed", "1",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def mock() -> Iterator[mockserver.RunningMock]:
    with mockserver.running(freeze_time="2026-01-15T12:00:00Z") as running:
        yield running


@pytest.fixture
def page(browser: Any, mock: mockserver.RunningMock) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(mock.base_url + "/__mock/")
    page.get_by_text("Summer Promo 2025").first.wait_for()
    yield page
    assert page.errors == []
    assert all(url.startswith(mock.base_url + "/__mock/") for url in page.requested), page.requested
    context.close()


def campaign_block(page: Any, campaign_id: str) -> Any:
    return page.locator(f'[data-campaign="{campaign_id}"]')


def verify_message(mock: mockserver.RunningMock, code: str, secret: str = ACME_TEST) -> str:
    response = httpx.post(mock.base_url + VERIFY, json={"code": code}, headers=auth(secret))
    return str(response.json()["data"]["message"])


def test_it_shows_partners_campaigns_stats_batches_and_the_journal(
    page: Any, mock: mockserver.RunningMock, tmp_path: Path
) -> None:
    summer = campaign_block(page, FIXTURE_CAMPAIGN_ID)
    assert summer.get_by_test_id("status").inner_text() == "active"
    assert "150 codes" in summer.get_by_test_id("stats").inner_text()
    assert summer.locator("[data-batch]").count() == 2
    for name in ("Acme", "Globex", "Initech"):
        assert page.get_by_role("heading", name=name).count() == 1
    # Live: a batch generated through the API shows up, and so does its request.
    httpx.post(
        mock.base_url + GENERATE,
        json={"slug": "summer-promo", "batchSize": 7, "pointsValue": 5, "label": "<b>not bold</b>"},
        headers=auth(),
    ).raise_for_status()
    summer.get_by_text("157 codes", exact=False).wait_for(timeout=LIVE_UPDATE_MS)
    assert summer.locator("[data-batch]").count() == 3
    assert summer.get_by_text("<b>not bold</b>").count() == 1  # shown as text, never as HTML
    page.locator("#journal").get_by_text("POST /v1/campaigns/codes/generate").wait_for(timeout=LIVE_UPDATE_MS)
    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 20_000
    print(f"\nscreenshot: {screenshot}")


def test_pause_end_and_reactivate_change_what_the_api_answers(
    page: Any, mock: mockserver.RunningMock
) -> None:
    summer = campaign_block(page, FIXTURE_CAMPAIGN_ID)
    code = "SUMM-DH4K7N9R"  # ACTIVE, in the batch that never expires
    assert verify_message(mock, code) == "Code is valid and redeemable"

    summer.get_by_role("button", name="Pause").click()
    summer.get_by_test_id("status").get_by_text("paused").wait_for()
    assert verify_message(mock, code) == "Campaign is not active"

    summer.get_by_role("button", name="End").click()
    summer.get_by_test_id("status").get_by_text("ended").wait_for()
    assert verify_message(mock, code) == "Campaign has ended"

    summer.get_by_role("button", name="Reactivate").click()
    summer.get_by_test_id("status").get_by_text("active").wait_for()
    assert verify_message(mock, code) == "Code is valid and redeemable"
    assert "Reactivate summer-promo: done" in page.locator("#message").inner_text()


def test_the_clock_controls_move_the_mocks_clock(page: Any, mock: mockserver.RunningMock) -> None:
    before = mock.clock()
    page.get_by_role("button", name="+1 day").click()
    page.locator("#clock-now").get_by_text("2026-01-16T12:00:00Z").wait_for()
    assert (mock.clock() - before).total_seconds() == 86400

    page.get_by_label("Set the clock to").fill("2031-02-03T04:05:06Z")
    page.get_by_role("button", name="Set clock").click()
    page.locator("#clock-now").get_by_text("2031-02-03T04:05:06Z").wait_for()
    assert mock.clock().isoformat() == "2031-02-03T04:05:06+00:00"

    page.get_by_label("Set the clock to").fill("not a date")
    page.get_by_role("button", name="Set clock").click()
    page.locator("#message").get_by_text("400 Send", exact=False).wait_for()
    assert mock.clock().isoformat() == "2031-02-03T04:05:06+00:00"


def test_revoking_a_code_a_batch_and_resetting(page: Any, mock: mockserver.RunningMock) -> None:
    page.get_by_label("Code to revoke").fill("SUMM-DH4K7N9R")
    page.get_by_role("button", name="Revoke code").click()
    page.locator("#message").get_by_text("Revoke code: done").wait_for()
    assert verify_message(mock, "SUMM-DH4K7N9R") == "Code status is REVOKED"

    batch = campaign_block(page, FIXTURE_CAMPAIGN_ID).locator(
        '[data-batch="a1b2c3d4-e5f6-7890-abcd-ef1234567890"]'
    )
    batch.get_by_role("button", name="Revoke batch").click()
    page.locator("#message").get_by_text("Revoke batch a1b2c3d4: done").wait_for()
    assert verify_message(mock, "SUMM-AX7K9M2P") == "Code status is REVOKED"

    page.get_by_role("button", name="Reset").click()
    page.locator("#message").get_by_text("Reset: done").wait_for()
    assert verify_message(mock, "SUMM-DH4K7N9R") == "Code is valid and redeemable"


def test_a_partner_added_through_the_api_appears(page: Any, mock: mockserver.RunningMock) -> None:
    tenant = mockserver.new_tenant(mock, name="Shown Tenant")
    page.get_by_role("heading", name="Shown Tenant").wait_for(timeout=LIVE_UPDATE_MS)
    block = campaign_block(page, tenant.campaign_id)
    block.get_by_role("button", name="End").click()
    block.get_by_test_id("status").get_by_text("ended").wait_for()
    text = httpx.get(mock.base_url + "/__mock/partners").text
    assert re.search(rf'"id":"{tenant.campaign_id}"[^}}]*"status":"ended"', text)


def test_the_page_needs_no_network_and_goes_with_no_admin() -> None:
    client = plain_client(create_app())
    page = client.get("/__mock/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)  # nothing loaded from elsewhere
    assert_error(plain_client(create_app(admin=False)).get("/__mock/"), 404)


def test_a_campaign_offers_only_the_actions_its_state_allows(page: Any, mock: mockserver.RunningMock) -> None:
    def buttons(campaign_id: str) -> set[str]:
        controls = campaign_block(page, campaign_id).locator(".row button")
        return {controls.nth(index).inner_text() for index in range(controls.count())}

    assert buttons(FIXTURE_CAMPAIGN_ID) == {"Pause", "End"}
    paused, ended = (page.locator(f'[data-slug="{slug}"]') for slug in ("spring-launch", "autumn-2024"))
    assert {paused.locator(".row button").nth(i).inner_text() for i in range(2)} == {"Reactivate", "End"}
    ended_buttons = ended.locator(".row button")
    assert ended_buttons.count() == 1 and ended_buttons.inner_text() == "Reactivate"
    campaign_block(page, FIXTURE_CAMPAIGN_ID).get_by_role("button", name="End").click()
    campaign_block(page, FIXTURE_CAMPAIGN_ID).get_by_test_id("status").get_by_text("ended").wait_for()
    assert buttons(FIXTURE_CAMPAIGN_ID) == {"Reactivate"}


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_page_fits_and_paints_its_data_first_after_a_conformance_run(
    browser: Any, mock: mockserver.RunningMock, width: int, tmp_path: Path
) -> None:
    import conformance

    report = conformance.evaluate(["--base-url", mock.base_url, *CONFORMANCE_INPUTS], environ={})
    assert report.exit_code == 0, report.summary
    assert len(mock.requests()) >= 50  # the journal is full of the run's odd requests
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.goto(mock.base_url + "/__mock/")
    first = tmp_path / f"first-paint-{width}.png"
    page.screenshot(path=str(first))  # without waiting for anything
    assert page.locator("body").inner_text().count("Loading") == 0
    assert page.get_by_role("heading", name="Acme").count() == 1
    assert page.locator("#journal tr").count() == 50
    overflowing = page.evaluate(
        """() => [document.documentElement, document.body, ...document.querySelectorAll("header, section")]
              .filter(box => box.scrollWidth > box.clientWidth + 1)
              .map(box => box.id || box.tagName)"""
    )
    assert overflowing == [], f"scrolls sideways at {width} px: {overflowing}"
    outside = page.evaluate(
        """() => [...document.querySelectorAll("section th, section td, section button, header > *")]
              .filter(item => {
                const box = item.getBoundingClientRect();
                const panel = item.closest("section, header").getBoundingClientRect();
                return box.width > 0 && (box.left < panel.left - 1 || box.right > panel.right + 1);
              })
              .map(item => item.textContent.slice(0, 40))"""
    )
    assert outside == [], f"cut off at {width} px: {outside}"
    one_row = page.evaluate(
        """() => {
          const items = [...document.querySelectorAll("header > :not(#message):not([hidden])")];
          const boxes = items.map(item => item.getBoundingClientRect());
          return Math.max(...boxes.map(box => box.top)) < Math.min(...boxes.map(box => box.bottom));
        }"""
    )
    assert one_row, f"the toolbar wraps at {width} px"
    # Only a label, a request line or a secret may be cut short (with the whole text in a tooltip).
    clipped = page.evaluate(
        """() => [...document.querySelectorAll("th, td")]
              .filter(item => item.scrollWidth > item.clientWidth + 1)
              .filter(item => !(item.title && item.textContent.length > 12))
              .map(item => item.textContent.slice(0, 40))"""
    )
    assert clipped == [], f"cut short at {width} px: {clipped}"
    full = tmp_path / f"dashboard-{width}.png"
    page.screenshot(path=str(full), full_page=True)
    for shot in (first, full):
        assert shot.stat().st_size > 30_000
        print(f"\n{shot.name}: {shot.stat().st_size:,} bytes, {shot}")
    context.close()


def test_with_an_admin_token_the_page_asks_for_it_once_and_the_tab_keeps_it(browser: Any) -> None:
    token = "dashboard-token-0123456789"
    with mockserver.running(admin_token=token) as guarded:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(guarded.base_url + "/__mock/")
        # No data before the token: the form asks for it.
        page.locator("#token").wait_for()
        assert page.locator("#message").inner_text() == "This mock's admin API asks for its token."
        assert page.get_by_text("Summer Promo 2025").count() == 0
        # A wrong one is refused, and asked for again.
        page.locator("#token").fill("not-the-token")
        page.get_by_role("button", name="Unlock").click()
        page.get_by_text("That token was refused").wait_for()
        assert page.get_by_text("Summer Promo 2025").count() == 0
        # The right one shows the mock, which then updates itself.
        page.locator("#token").fill(token)
        page.get_by_role("button", name="Unlock").click()
        page.get_by_text("Summer Promo 2025").first.wait_for()
        assert page.locator("#token-form").is_hidden()
        httpx.post(
            guarded.base_url + GENERATE,
            json={"slug": "summer-promo", "batchSize": 3, "pointsValue": 5},
            headers=auth(),
        ).raise_for_status()
        campaign_block(page, FIXTURE_CAMPAIGN_ID).get_by_text("153 codes", exact=False).wait_for(
            timeout=LIVE_UPDATE_MS
        )
        # Its buttons send the token too.
        page.get_by_role("button", name="+1 day").click()
        page.get_by_text("Clock +1 day: done").wait_for()
        # A reload keeps it for the tab's session; another tab's session asks again.
        page.reload()
        page.get_by_text("Summer Promo 2025").first.wait_for()
        assert page.locator("#token-form").is_hidden()
        assert page.evaluate("sessionStorage.getItem('gamifyhost-mock-admin-token')") == token
        other = browser.new_context().new_page()
        other.goto(guarded.base_url + "/__mock/")
        other.locator("#token").wait_for()
        assert other.get_by_text("Summer Promo 2025").count() == 0
        other.context.close()
        context.close()
    assert errors == []
