from django.contrib import admin
from django.urls import include, path

from partner_portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("styleguide/", views.styleguide, name="styleguide"),
    path("", include("customers.urls")),
    path("", include("billing.urls")),
    path("sso/", include("customers.sso_urls")),
    path("tickets/", include("tickets.urls")),
    path("", include("orders.urls")),
    path("", include("orders.resource_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", include("partner_portal.health")),
]
