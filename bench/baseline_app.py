"""The benchmark's baseline: a bare Starlette app answering fixed JSON, on the same uvicorn settings.

It answers the very bytes the mock answered to the same requests (files named by the
BENCH_LIST_BODY and BENCH_GENERATE_BODY variables), so both servers send the same payloads and
the ratio measures the mock's own work.
"""

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

_LIST = Path(os.environ["BENCH_LIST_BODY"]).read_bytes()
_GENERATED = Path(os.environ["BENCH_GENERATE_BODY"]).read_bytes()


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
