"""Deliberately broken servers: the real mock with one documented rule broken, or a stand-in.

Each double breaks one rule, so a conformance run against it must fail and name the check
that guards that rule.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from asgi_rewrite import Answer, ASGIApp, Asked, Rewrite, read_request, run_app, send_answer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.judge.contract import Contract
from mockserver import create_app
from mockserver.contract.spec import Spec

GENERATE = ("POST", "/v1/campaigns/codes/generate")
BATCHES = ("GET", "/v1/campaigns/codes/batches")
VERIFY = ("POST", "/v1/campaigns/codes/verify")
STATS = ("GET", "/v1/campaigns/codes/stats")
ACME_SECRET = "sk_test_acme_mock_secret"

Change = Callable[[Asked, dict], None]


def on_answers(changes: dict[tuple[str, str], Change]) -> ASGIApp:
    """The mock, with each change applied in place to the `data` of its operation's 2xx answers."""

    def rewrite(asked: Asked, answer: Answer) -> Answer:
        change = changes.get((asked.method, asked.path))
        if change is None or not 200 <= answer.status < 300 or not isinstance(answer.payload, dict):
            return answer
        payload = copy.deepcopy(answer.payload)
        change(asked, payload["data"])
        return replace(answer, payload=payload)

    return Rewrite(create_app(), on_answer=rewrite)


# -- one broken rule each ---------------------------------------------------------------------


def fewer_codes() -> ASGIApp:
    """Hands out one code less than asked (count and batchSize still claim the full batch)."""
    return on_answers({GENERATE: lambda _asked, data: data["codes"].pop()})


def repeated_code() -> ASGIApp:
    """Hands out the first code twice in a batch of two or more."""

    def repeat(_asked: Asked, data: dict) -> None:
        if len(data["codes"]) > 1:
            data["codes"][-1] = data["codes"][0]

    return on_answers({GENERATE: repeat})


def lists_no_batches() -> ASGIApp:
    """Lists nothing, ever (and says so consistently: total 0)."""

    def empty(_asked: Asked, data: dict) -> None:
        data["batches"], data["total"] = [], 0

    return on_answers({BATCHES: empty})


def accepts_batch_size_10001() -> ASGIApp:
    """The mock with batchSize allowed up to 20000: 10001 mints a batch instead of a 400."""
    document = copy.deepcopy(Contract.load().document)
    document["components"]["schemas"]["GenerateCodesRequest"]["properties"]["batchSize"]["maximum"] = 20000
    return create_app(spec=Spec(document))


def ignores_secret() -> ASGIApp:
    """Serves every request as Acme's, whatever secret it carries, or none."""

    def authenticate(asked: Asked) -> Asked:
        return replace(asked, headers={**asked.headers, "x-api-secret": ACME_SECRET})

    return Rewrite(create_app(), on_request=authenticate)


def code_with_letter_o() -> ASGIApp:
    """Codes whose random part starts with the confusing letter O."""

    def confuse(_asked: Asked, data: dict) -> None:
        data["codes"] = [f"{code[:-8]}O{code[-7:]}" for code in data["codes"]]

    return on_answers({GENERATE: confuse})


def wrong_prefix() -> ASGIApp:
    """Codes prefixed CODE- whatever the campaign."""

    def recode(_asked: Asked, data: dict) -> None:
        data["codes"] = [f"CODE-{code[-8:]}" for code in data["codes"]]

    return on_answers({GENERATE: recode})


def crashes_on_malformed_json() -> ASGIApp:
    """Answers a generate body that is not JSON with a 500, as an unguarded parser would."""

    def parse(asked: Asked) -> Asked | Answer:
        if (asked.method, asked.path) == GENERATE and asked.body and asked.json() is None:
            return Answer(500, {"status": "error", "code": 500, "message": "Internal server error"})
        return asked

    return Rewrite(create_app(), on_request=parse)


def listing_leaks_codes() -> ASGIApp:
    """Lists each batch with the codes it handed out."""
    handed_out: dict[str, list[str]] = {}

    def remember(_asked: Asked, data: dict) -> None:
        handed_out[data["batch"]["id"]] = list(data["codes"])

    def leak(_asked: Asked, data: dict) -> None:
        for batch in data["batches"]:
            batch["codes"] = handed_out.get(batch["id"], [])

    return on_answers({GENERATE: remember, BATCHES: leak})


def refuses_batch_size_1() -> ASGIApp:
    """Off by one at the lower bound: batchSize 1 gets the range error."""

    def check_range(asked: Asked) -> Asked | Answer:
        body = asked.json()
        if (asked.method, asked.path) == GENERATE and isinstance(body, dict) and body.get("batchSize") == 1:
            return Answer(
                400, {"status": "error", "code": 400, "message": "batchSize must be between 1 and 10000"}
            )
        return asked

    return Rewrite(create_app(), on_request=check_range)


def crashes_on_text_page() -> ASGIApp:
    """Answers a listing whose page is not a number with a 500."""

    def parse(asked: Asked) -> Asked | Answer:
        if (asked.method, asked.path) == BATCHES and not asked.query.get("page", "1").lstrip("-").isdigit():
            return Answer(500, {"status": "error", "code": 500, "message": "invalid literal for int()"})
        return asked

    return Rewrite(create_app(), on_request=parse)


def echoes_secret() -> ASGIApp:
    """Refuses a request without a secret with a 400 that quotes a valid secret."""

    def leak(asked: Asked) -> Asked | Answer:
        if "x-api-secret" not in asked.headers:
            return Answer(400, {"status": "error", "code": 400, "message": f"Send a key like {ACME_SECRET}"})
        return asked

    return Rewrite(create_app(), on_request=leak)


def wrong_total() -> ASGIApp:
    """Counts one batch too many in total."""
    return on_answers({BATCHES: lambda _asked, data: data.update(total=data["total"] + 1)})


def fresh_code_invalid() -> ASGIApp:
    """Verify says a redeemable code (a fresh one too) was redeemed already, consistently so."""

    def refuse(_asked: Asked, data: dict) -> None:
        if data["valid"]:
            data.update(valid=False, status="REDEEMED", message="Code status is REDEEMED")

    return on_answers({VERIFY: refuse})


def verify_wrong_points() -> ASGIApp:
    """Verify says a found code is worth one point more than its batch."""

    def inflate(_asked: Asked, data: dict) -> None:
        if data["message"] != "Code not found":
            data["pointsValue"] += 1

    return on_answers({VERIFY: inflate})


def unknown_code_404() -> ASGIApp:
    """Answers verify of an unknown code with a 404 instead of 200, valid false."""

    def missing(asked: Asked, answer: Answer) -> Answer:
        data = answer.payload.get("data") if isinstance(answer.payload, dict) else None
        if (
            (asked.method, asked.path) == VERIFY
            and isinstance(data, dict)
            and data["message"] == "Code not found"
        ):
            return Answer(404, {"status": "error", "code": 404, "message": "Code not found"})
        return answer

    return Rewrite(create_app(), on_answer=missing)


def stats_ignore_new_batches() -> ASGIApp:
    """Stats as they were before the run: batches generated since are not counted (the sums still agree)."""
    generated = {"codes": 0, "batches": 0}

    def remember(_asked: Asked, data: dict) -> None:
        generated["codes"] += data["count"]
        generated["batches"] += 1

    def forget(_asked: Asked, data: dict) -> None:
        data["totalCodes"] -= generated["codes"]
        data["activeCodes"] -= generated["codes"]
        data["totalBatches"] -= generated["batches"]

    return on_answers({GENERATE: remember, STATS: forget})


def stats_not_adding_up() -> ASGIApp:
    """Counts one active code more than totalCodes accounts for."""
    return on_answers({STATS: lambda _asked, data: data.update(activeCodes=data["activeCodes"] + 1)})


def redeems_twice() -> ASGIApp:
    """A code's second redemption succeeds again, answered like the first."""
    first: dict[tuple[str, str], Answer] = {}

    def again(asked: Asked) -> Asked | Answer:
        key = _redemption(asked)
        return first.get(key, asked) if key else asked

    def remember(asked: Asked, answer: Answer) -> Answer:
        key = _redemption(asked)
        if key and 200 <= answer.status < 300:
            first.setdefault(key, answer)
        return answer

    return Rewrite(create_app(), on_request=again, on_answer=remember)


def verify_ignores_redemption() -> ASGIApp:
    """Verify says a redeemed code is still ACTIVE and valid."""

    def forget(_asked: Asked, data: dict) -> None:
        if data["status"] == "REDEEMED":
            data.update(valid=True, status="ACTIVE", message="Code is valid and redeemable")

    return on_answers({VERIFY: forget})


def redeem_awards_batch_size() -> ASGIApp:
    """Says a redemption awarded as many points as the code's batch has codes."""
    sizes: dict[str, int] = {}

    def remember(_asked: Asked, data: dict) -> None:
        sizes[data["batch"]["id"]] = data["batch"]["batchSize"]

    def award(_asked: Asked, data: dict) -> None:
        data["pointsAwarded"] = sizes.get(data["batchId"], data["pointsAwarded"])

    return on_answers({GENERATE: remember, ("POST", "/v1/campaigns/summer-promo/redeem"): award})


def fractions_cut() -> ASGIApp:
    """Takes a batchSize of no exact integer reading (3.7, "2.5") as the integer below it."""

    def cut(asked: Asked) -> Asked:
        body = asked.json()
        if (asked.method, asked.path) != GENERATE or not isinstance(body, dict):
            return asked
        size = body.get("batchSize")
        try:
            number = float(size) if isinstance(size, str | float) else None
        except ValueError:
            number = None
        if number is None or number.is_integer() or not 1 <= number <= 10_000:
            return asked
        return replace(asked, body=json.dumps({**body, "batchSize": int(number)}).encode())

    return Rewrite(create_app(), on_request=cut)


def _redemption(asked: Asked) -> tuple[str, str] | None:
    """(slug, code) of a redeem request, None for any other."""
    parts = asked.path.split("/")
    body = asked.json()
    if (
        asked.method != "POST"
        or len(parts) != 5
        or parts[:3] != ["", "v1", "campaigns"]
        or parts[4] != "redeem"
    ):
        return None
    return (parts[3], str(body.get("code"))) if isinstance(body, dict) else None


# -- rules the suite needs inputs for ------------------------------------------------------------
GLOBEX_SECRET = "sk_test_globex_mock_secret"
LIVE_SECRET = "sk_live_acme_mock_secret"
REVOKED_SECRET = "sk_test_acme_revoked_secret"
INACTIVE_SECRET = "sk_test_initech_inactive_app"


def _as_acme(secrets: set[str], routes: Callable[[Asked], bool]) -> ASGIApp:
    """The mock, serving requests of `routes` that carry one of `secrets` as Acme's TEST ones."""

    def swap(asked: Asked) -> Asked:
        if routes(asked) and asked.headers.get("x-api-secret") in secrets:
            return replace(asked, headers={**asked.headers, "x-api-secret": ACME_SECRET})
        return asked

    return Rewrite(create_app(), on_request=swap)


def foreign_codes_visible() -> ASGIApp:
    """Verify finds any partner's codes: another partner's secret sees Acme's."""
    return _as_acme({GLOBEX_SECRET}, lambda asked: (asked.method, asked.path) == VERIFY)


def foreign_partner_redeems() -> ASGIApp:
    """Redeem takes any partner's secret for Acme's codes."""
    return _as_acme({GLOBEX_SECRET}, lambda asked: _redemption(asked) is not None)


def environments_shared() -> ASGIApp:
    """The LIVE secret sees TEST codes and batches."""
    return _as_acme({LIVE_SECRET}, lambda asked: (asked.method, asked.path) in (VERIFY, BATCHES))


def revoked_secret_accepted() -> ASGIApp:
    """A revoked secret works as if it were not."""
    return _as_acme({REVOKED_SECRET}, lambda _asked: True)


def inactive_application_accepted() -> ASGIApp:
    """A secret of an application that is not active works."""
    return _as_acme({INACTIVE_SECRET}, lambda _asked: True)


def ended_campaign_not_expired() -> ASGIApp:
    """Says 'Campaign has ended' with expired false."""

    def unexpire(_asked: Asked, data: dict) -> None:
        if data["message"] == "Campaign has ended":
            data["expired"] = False

    return on_answers({VERIFY: unexpire})


def paused_campaign_code_valid() -> ASGIApp:
    """Calls a code of a paused campaign valid and redeemable."""

    def validate(_asked: Asked, data: dict) -> None:
        if data["message"] == "Campaign is not active":
            data.update(valid=True, message="Code is valid and redeemable")

    return on_answers({VERIFY: validate})


def expiry_ignored_by_verify() -> ASGIApp:
    """Verify says a code past its batch's expiresAt is still ACTIVE and redeemable."""

    def ignore(_asked: Asked, data: dict) -> None:
        if data["status"] == "EXPIRED":
            data.update(valid=True, status="ACTIVE", message="Code is valid and redeemable")

    return on_answers({VERIFY: ignore})


def expired_counted_as_revoked() -> ASGIApp:
    """Stats count expired codes as revoked (the sums still agree)."""

    def recount(_asked: Asked, data: dict) -> None:
        data["revokedCodes"] += data["expiredCodes"]
        data["expiredCodes"] = 0

    return on_answers({STATS: recount})


def _redeemed_anyway(refusals: set[str]) -> ASGIApp:
    """The mock, answering a redemption it refused with one of `refusals` as a success."""

    def accept(asked: Asked, answer: Answer) -> Answer:
        redemption = _redemption(asked)
        message = answer.payload.get("message") if isinstance(answer.payload, dict) else None
        if redemption is None or message not in refusals:
            return answer
        data = {"code": redemption[1], "userId": "u", "pointsAwarded": 1, "batchId": str(uuid.uuid4()),
                "campaignSlug": redemption[0], "redeemedAt": "2026-01-01T00:00:00Z"}  # fmt: skip
        return Answer(200, {"status": "success", "data": data})

    return Rewrite(create_app(), on_answer=accept)


def expired_codes_redeemable() -> ASGIApp:
    """Redeems codes past their batch's expiresAt."""
    return _redeemed_anyway({"Code status is EXPIRED"})


def unknown_codes_redeemable() -> ASGIApp:
    """Answers a redemption of a code nobody was given as a success."""
    return _redeemed_anyway({"Code not found"})


class ConcurrentRedemptionsAllSucceed:
    """Checks and writes a redemption without a lock: concurrent ones all read the code as ACTIVE.

    A redemption waits a little before reaching the mock; any other of the same code that
    arrives meanwhile gets the first one's answer. One after the other, they are refused.
    """

    def __init__(self) -> None:
        self.app = create_app()
        self.pending: dict[str, asyncio.Future[Answer]] = {}

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = await read_request(scope, receive)
        redemption = _redemption(asked)
        if redemption is None:
            await send_answer(send, await run_app(self.app, scope, asked))
            return
        code = redemption[1].strip().upper()
        if code in self.pending:
            answer = await asyncio.shield(self.pending[code])
        else:
            self.pending[code] = asyncio.get_running_loop().create_future()
            await asyncio.sleep(0.1)
            answer = await run_app(self.app, scope, asked)
            self.pending.pop(code).set_result(answer)
        await send_answer(send, answer)


# -- a stand-in that knows only the spec ------------------------------------------------------


def spec_examples() -> Starlette:
    """Answers every operation with its documented example, 200, whatever it is asked."""
    contract = Contract.load()
    routes = []
    for path, item in contract.document["paths"].items():
        for method, definition in item.items():
            examples = definition["responses"]["200"]["content"]["application/json"]["examples"]
            example = next(iter(examples.values()))["value"]
            routes.append(Route(path, _answering(example), methods=[method.upper()]))
    return Starlette(routes=routes)


def _answering(example: dict) -> Callable[[Request], Awaitable[Response]]:
    async def answer(_request: Request) -> Response:
        return JSONResponse(example)

    return answer
