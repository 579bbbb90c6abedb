"""docs/adding-an-operation.md, followed from outside the package for an operation the API does
not have: relabelling a batch. One path in a copy of the spec, one event, one domain function,
one handler; nothing else of the mock changes, and every store keeps it the same way."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from helpers_kit import GENERATE, auth
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.contract.spec import Spec, load_spec
from mockserver.domain import events
from mockserver.domain.errors import NotFound
from mockserver.domain.events import Decision, Event
from mockserver.domain.ports import State, View
from mockserver.domain.records import Principal
from mockserver.domain.service import Codes
from mockserver.http import dispatch as dispatch_module
from mockserver.http import operations
from mockserver.http.operations import Call, render_batch

pytestmark = pytest.mark.every_store

PATH = "/v1/campaigns/{slug}/batches/{batchId}/label"
BATCH_NOT_FOUND = "Batch not found"


# 1. The contract: one more path in (a copy of) openapi.yaml.
def relabelling_spec() -> Spec:
    document = copy.deepcopy(load_spec().document)
    document["paths"][PATH] = {
        "post": {
            "operationId": "relabelBatch",
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                },
                {
                    "name": "batchId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["label"],
                            "properties": {"label": {"type": "string", "maxLength": 100}},
                        }
                    }
                },
            },
            "responses": {"200": {"description": "the batch, relabelled"}},
        }
    }
    return Spec(document)


# 2. The event: its kind, its encoder, and what it does to a state.
@dataclass(slots=True)
class BatchRelabelled(Event):
    kind: ClassVar[str] = "relabel-batch"
    batch_id: str
    label: str

    def encode(self) -> tuple[dict[str, Any], None]:
        return {"id": self.batch_id, "label": self.label}, None

    @classmethod
    def decode(cls, body: dict[str, Any], digests: Sequence[int]) -> BatchRelabelled:
        return cls(body["id"], body["label"])

    def apply(self, state: State, sequence: int) -> None:
        batch = state.batch(self.batch_id)
        if batch is not None:
            batch.label = self.label


# 3. The domain method: the rules, then the write decided on the store as it is.
def relabel_batch(codes: Codes, principal: Principal, slug: str, batch_id: str, label: str) -> Any:
    campaign = codes.campaign(principal, slug)  # 404 Campaign not found, another partner's too
    batch = codes.store.batch(batch_id)
    if batch is None or batch.campaign.id != campaign.id:
        raise NotFound(BATCH_NOT_FOUND)

    def decide(view: View) -> Decision:
        return batch_id, (BatchRelabelled(batch_id, label),)

    return codes.store.batch(codes.store.write(decide))


# 4. The handler: the domain method called, its answer rendered.
def relabel_handler(call: Call) -> dict[str, Any]:
    batch = relabel_batch(
        call.codes, call.principal, call.path["slug"], call.path["batchId"], call.body["label"]
    )
    return {"batch": render_batch(batch)}


@pytest.fixture
def relabelling(monkeypatch: pytest.MonkeyPatch) -> Spec:
    monkeypatch.setitem(events.EVENTS, BatchRelabelled.kind, BatchRelabelled)
    monkeypatch.setitem(operations.OPERATIONS, "relabelBatch", relabel_handler)
    monkeypatch.setattr(dispatch_module, "WRITES", operations.WRITES | {"relabelBatch"})
    return relabelling_spec()


def test_a_new_operation_takes_one_event_one_domain_method_and_one_handler(
    relabelling: Spec, store_url: str, store_kind: str
) -> None:
    with TestClient(create_app(store=store_url, spec=relabelling)) as client:
        made = client.post(
            GENERATE,
            json={"slug": "summer-promo", "batchSize": 2, "pointsValue": 5, "label": "old"},
            headers=auth(),
        ).json()["data"]["batch"]
        url = f"/v1/campaigns/summer-promo/batches/{made['id']}/label"
        answer = client.post(url, json={"label": "new"}, headers=auth())
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["batch"] == {**made, "label": "new"}
        listed = client.get("/v1/campaigns/codes/batches?slug=summer-promo", headers=auth()).json()["data"]
        assert listed["batches"][0] == {**made, "label": "new"}
        # The documented errors come from the spec and the domain, as for every operation.
        assert client.post(url, json={"label": "x" * 101}, headers=auth()).status_code == 400
        assert client.post(url, json={"label": "y"}).status_code == 401
        missing = client.post(
            "/v1/campaigns/summer-promo/batches/nope/label", json={"label": "y"}, headers=auth()
        )
        assert (missing.status_code, missing.json()["message"]) == (404, BATCH_NOT_FOUND)
        foreign = client.post(url, json={"label": "y"}, headers=auth("sk_test_globex_mock_secret"))
        assert foreign.status_code == 404
        if store_kind != "memory":
            # Another instance on the same store replays the event through the same apply.
            with TestClient(create_app(store=store_url, spec=relabelling)) as other:
                listed = other.get("/v1/campaigns/codes/batches?slug=summer-promo", headers=auth()).json()[
                    "data"
                ]
                assert listed["batches"][0]["label"] == "new"
