"""``/_allauth/``: the API of both clients (``browser``, ``app``), its spec and docs page."""

from django.urls import path

from accounts.headless import routes, spec

urlpatterns = [
    path(f"<str:client>/v1/{route}", view, name=f"headless_{name}")
    for route, view, name in routes.ROUTES
] + [
    path("openapi.json", spec.openapi_json, name="headless_openapi_json"),
    path("openapi.yaml", spec.openapi_yaml, name="headless_openapi_yaml"),
    path("docs/", spec.docs, name="headless_docs"),
]
