"""How store-schema-2.sqlite and store-schema-2.json were made, with gamifyhost-mock as of commit
1c0c0aa (before the domain's events): `python make_store_schema_2.py tests/data`. They are kept
as that version wrote them; tests/test_store_upgrade.py loads them with this one."""

import json
import sys
from pathlib import Path

from starlette.testclient import TestClient

from mockserver import create_app

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
db = out / "store-schema-2.sqlite"
for f in out.glob("store-schema-2.sqlite*"):
    f.unlink()
app = create_app(store=f"sqlite:///{db}", seed=2031, freeze_time="2026-06-01T12:00:00Z")
S = {"X-API-Secret": "sk_test_acme_mock_secret"}
with TestClient(app) as c:
    g1 = c.post(
        "/v1/campaigns/codes/generate",
        json={"slug": "summer-promo", "batchSize": 6, "pointsValue": 40, "label": "kept one"},
        headers=S,
    ).json()["data"]
    g2 = c.post(
        "/v1/campaigns/codes/generate",
        json={
            "slug": "summer-promo",
            "batchSize": 4,
            "pointsValue": 70,
            "label": "kept two",
            "expiresAt": "2026-06-02T00:00:00Z",
        },
        headers=S,
    ).json()["data"]
    codes1, codes2 = g1["codes"], g2["codes"]
    assert (
        c.post(
            "/v1/campaigns/summer-promo/redeem", json={"code": codes1[0], "userId": "u1"}, headers=S
        ).status_code
        == 200
    )
    assert (
        c.post(
            "/v1/campaigns/summer-promo/redeem", json={"code": codes1[1], "userId": "u2"}, headers=S
        ).status_code
        == 200
    )
    assert c.post("/__mock/revoke", json={"code": codes1[1]}).status_code == 200  # revoked after redeemed
    assert c.post("/__mock/revoke", json={"code": codes1[2]}).status_code == 200
    assert c.post("/__mock/revoke", json={"batchId": g2["batch"]["id"]}).status_code == 200
    p = c.post(
        "/__mock/partners",
        json={
            "name": "Kept Tenant",
            "applications": [
                {
                    "name": "app",
                    "keys": [
                        {"secret": "sk_test_kept_tenant_secret"},
                        {"secret": "sk_live_kept_tenant_secret", "environment": "LIVE"},
                    ],
                }
            ],
            "campaigns": [
                {"id": "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", "slug": "kept", "environment": "TEST"}
            ],
        },
    ).json()["data"]["partner"]
    T = {"X-API-Secret": "sk_test_kept_tenant_secret"}
    g3 = c.post(
        "/v1/campaigns/codes/generate", json={"slug": "kept", "batchSize": 3, "pointsValue": 5}, headers=T
    ).json()["data"]
    assert (
        c.patch(
            "/__mock/campaigns/7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", json={"status": "paused"}
        ).status_code
        == 200
    )
    assert c.post("/__mock/keys/revoke", json={"secret": "sk_live_kept_tenant_secret"}).status_code == 200
    assert c.post("/__mock/clock", json={"advanceSeconds": 7200}).status_code == 200
    expected = {"codes": {}, "stats": {}, "batches": {}}
    for code in codes1 + codes2 + ["SUMM-AX7K9M2P"]:
        expected["codes"][code] = c.post("/v1/campaigns/codes/verify", json={"code": code}, headers=S).json()[
            "data"
        ]
    for code in g3["codes"]:
        expected["codes"][code] = c.post("/v1/campaigns/codes/verify", json={"code": code}, headers=T).json()[
            "data"
        ]
    expected["stats"]["summer-promo"] = c.get(
        "/v1/campaigns/codes/stats?slug=summer-promo", headers=S
    ).json()["data"]
    expected["stats"]["kept"] = c.get("/v1/campaigns/codes/stats?slug=kept", headers=T).json()["data"]
    expected["batches"]["summer-promo"] = c.get(
        "/v1/campaigns/codes/batches?slug=summer-promo&limit=100", headers=S
    ).json()["data"]
    expected["live_key"] = c.get(
        "/v1/campaigns/codes/stats?slug=kept", headers={"X-API-Secret": "sk_live_kept_tenant_secret"}
    ).json()
    expected["clock"] = c.get("/__mock/clock").json()["data"]
    expected["partners"] = sorted(p["name"] for p in c.get("/__mock/partners").json()["data"]["partners"])
app.state.codes.store.close()
for f in out.glob("store-schema-2.sqlite-*"):
    print("left", f)
(out / "store-schema-2.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
print(db.stat().st_size, len(expected["codes"]))
