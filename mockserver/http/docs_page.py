"""The mock's browsable docs: its openapi.yaml and a Swagger UI page whose assets ship in a package.

Not part of the GamifyHost contract, so not in openapi.yaml. Nothing is fetched at run time.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

# Relative URLs, so the page also works behind a proxy that serves the mock under a path.
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GamifyHost Codes API: mock server</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "openapi.yaml", dom_id: "#swagger-ui"});
</script>
</body>
</html>
"""


def docs_routes(spec_yaml: bytes) -> list[BaseRoute]:
    """`GET /openapi.yaml` (the spec the mock runs on) and `GET /docs` (Swagger UI over it)."""

    async def openapi(_request: Request) -> Response:
        return Response(spec_yaml, media_type="application/yaml")

    async def page(_request: Request) -> Response:
        return HTMLResponse(_PAGE)

    return [
        Route("/openapi.yaml", openapi, methods=["GET"], name="mock_openapi"),
        Route("/docs", page, methods=["GET"], name="mock_docs"),
        Mount("/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="mock_docs_static"),
    ]
