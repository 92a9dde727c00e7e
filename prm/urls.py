from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from core import views as core_views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("core.api.urls")),
    path("", include("partners.api.urls")),
    path("", include("training.api.urls")),
    path("", include("deals.api.urls")),
    path("", include("rebates.api.urls")),
    path("", include("settlement.api.urls")),
    path("inventory/", include("inventory.api.urls")),
    path("", include("funds.api.urls")),
]

# The API docs run under the portal's content security policy: Swagger UI's start script is a
# file of its own (the split view), no page loads anything from another host (the ReDoc
# template in templates/drf_spectacular/ drops Google Fonts). Both render with inline style
# attributes, and ReDoc's search runs in a worker made from a blob: only these two pages allow that.
_api_docs = csp_update({"style-src": [UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)
_api_redoc = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
    SpectacularRedocView.as_view(url_name="api-schema")
)

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("partners/", include("partners.urls")),
    path("training/", include("training.urls")),
    path("deals/", include("deals.urls")),
    path("rebates/", include("rebates.urls")),
    path("settlement/", include("settlement.urls")),
    path("inventory/", include("inventory.urls")),
    path("funds/", include("funds.urls")),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", _api_docs, name="api-docs"),
    path("api/redoc/", _api_redoc, name="api-redoc"),
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
# Uploaded and generated files have no URL of their own, not even in development: each is
# streamed by the scoped view that offers it (core.files).
