"""The mock's browsable docs: its openapi.yaml and a Swagger UI page whose assets ship in a package.

Not part of the GamifyHost contract, so not in openapi.yaml. Nothing is fetched at run time.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
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
// "Try it out" talks to the mock that serves this page, and only to it: the mock's own URL is
// the spec's one server here (openapi.yaml itself names the real service first).
const here = new URL(".", window.location.href).href.replace(/[/]$/, "");
window.ui = SwaggerUIBundle({
  url: "openapi.yaml",
  dom_id: "#swagger-ui",
  onComplete: () => {
    const spec = window.ui.specSelectors.specJson().toJS();
    spec.servers = [{url: here, description: "This mock server"}];
    window.ui.specActions.updateJsonSpec(spec);
  },
});
</script>
</body>
</html>
"""


def docs_routes(spec_yaml: bytes, *, admin: bool = True) -> list[BaseRoute]:
    """`GET /openapi.yaml` (the spec the mock runs on), `GET /docs` (Swagger UI over it), and `GET /`,
    which leads to the dashboard, or to the docs when the admin surface is off."""

    async def openapi(_request: Request) -> Response:
        return Response(spec_yaml, media_type="application/yaml")

    async def page(_request: Request) -> Response:
        return HTMLResponse(_PAGE)

    async def landing(_request: Request) -> Response:
        # Relative, so that it also leads the right way behind a proxy that serves the mock under a path.
        return RedirectResponse("__mock/" if admin else "docs", status_code=302)

    return [
        Route("/", landing, methods=["GET"], name="mock_landing"),
        Route("/openapi.yaml", openapi, methods=["GET"], name="mock_openapi"),
        Route("/docs", page, methods=["GET"], name="mock_docs"),
        Mount("/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="mock_docs_static"),
    ]
