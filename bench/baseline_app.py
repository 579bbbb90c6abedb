"""The benchmark's baseline: a bare Starlette app answering fixed JSON, on the same uvicorn settings."""

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

_LIST = (
    b'{"status":"success","data":{"batches":[{"id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890",'
    b'"campaignId":"c1d2e3f4-a5b6-7890-1234-567890abcdef","batchSize":100,"pointsValue":500,'
    b'"label":"In-store promo cards","expiresAt":"2025-12-31T23:59:59Z","createdAt":"2025-07-15T10:00:00Z"}],'
    b'"total":1,"page":1,"limit":20}}'
)
_GENERATED = b'{"status":"success","data":{"count":100}}'


async def list_batches(_request):
    return Response(_LIST, media_type="application/json")


async def generate(request):
    await request.body()
    return Response(_GENERATED, media_type="application/json")


app = Starlette(
    routes=[
        Route("/v1/campaigns/codes/batches", list_batches, methods=["GET"]),
        Route("/v1/campaigns/codes/generate", generate, methods=["POST"]),
    ]
)
