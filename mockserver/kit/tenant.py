"""A tenant: a partner of its own on a running mock, with a TEST and a LIVE secret and an active
campaign, so that tests sharing one mock (in parallel, say) never see each other's codes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .admin_client import AdminClient

CAMPAIGN_SLUG = "promo"


@dataclass
class Tenant:
    """A partner added through the admin API. `slug` names its campaign in both environments;
    `campaign_id` is the TEST one, the one `pause()`, `end()` and `activate()` change."""

    admin: AdminClient = field(repr=False)
    partner_id: str
    name: str
    test_secret: str = field(repr=False)
    live_secret: str = field(repr=False)
    slug: str
    campaign_id: str
    live_campaign_id: str

    @property
    def base_url(self) -> str:
        return self.admin.base_url

    def headers(self, live: bool = False) -> dict[str, str]:
        """The `X-API-Secret` header of the TEST secret (or the LIVE one)."""
        return {"X-API-Secret": self.live_secret if live else self.test_secret}

    def pause(self) -> dict[str, Any]:
        """Verify then says `Campaign is not active`, and redeem refuses."""
        return self.admin.update_campaign(self.campaign_id, status="paused")

    def end(self) -> dict[str, Any]:
        """Verify then says `Campaign has ended` (with `expired: true`), and redeem refuses."""
        return self.admin.update_campaign(self.campaign_id, status="ended")

    def activate(self) -> dict[str, Any]:
        """Active again, with no end date."""
        return self.admin.update_campaign(self.campaign_id, status="active", ends_at=None)

    def revoke_key(self, secret: str | None = None) -> None:
        """Revoke the TEST secret (or the one given): its calls then get `403 API key has been revoked`."""
        self.admin.revoke_key(secret or self.test_secret)

    def stats(self) -> dict[str, Any]:
        """The TEST campaign's counts, as the dashboard shows them."""
        for partner in self.admin.partners():
            if partner["id"] == self.partner_id:
                return next(c["stats"] for c in partner["campaigns"] if c["id"] == self.campaign_id)
        raise LookupError(f"the mock holds no partner {self.partner_id} (was it reset?)")


def new_tenant(admin: AdminClient, name: str | None = None) -> Tenant:
    """Add a partner with a TEST and a LIVE key, and an active campaign in each environment."""
    name = name or f"tenant-{uuid.uuid4().hex[:12]}"
    added = admin.add_partner(
        {
            "name": name,
            "applications": [{"name": name, "keys": [{"environment": "TEST"}, {"environment": "LIVE"}]}],
            "campaigns": [
                {"slug": CAMPAIGN_SLUG, "name": f"{name} promo", "environment": environment}
                for environment in ("TEST", "LIVE")
            ],
        }
    )
    secrets = {key["environment"]: key["secret"] for key in added["applications"][0]["keys"]}
    campaigns = {campaign["environment"]: campaign["id"] for campaign in added["campaigns"]}
    return Tenant(
        admin=admin,
        partner_id=added["id"],
        name=name,
        test_secret=secrets["TEST"],
        live_secret=secrets["LIVE"],
        slug=CAMPAIGN_SLUG,
        campaign_id=campaigns["TEST"],
        live_campaign_id=campaigns["LIVE"],
    )
