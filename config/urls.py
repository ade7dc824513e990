from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from web import views as ops

urlpatterns = [
    # The trivial view: health check and the benchmarks' baseline.
    path("healthz", ops.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("runner.urls")),
    path("", include("report.urls")),
    path("", include("interop.urls")),
]

handler400 = "web.views.bad_request"
handler403 = "web.views.permission_denied"
handler404 = "web.views.page_not_found"
handler500 = "web.views.server_error"
