"""Resources and usage, included at the site root (partner_portal/urls.py)."""

from django.urls import path

from orders import resource_views as views

urlpatterns = [
    path("resources/", views.resources_page, name="resources"),
    path("resources/refresh/", views.resources_refresh, name="resources_refresh"),
    path("resources/renew/", views.resource_renew, name="resource_renew"),
    path("resources/renewals/<int:pk>/", views.resource_renewal, name="resource_renewal"),
    path("resources/renewals/<int:pk>/check/", views.resource_renewal_check, name="resource_renewal_check"),
    path("resources/unsubscribe/", views.resource_unsubscribe, name="resource_unsubscribe"),
    path("resources/unsubscriptions/<int:pk>/", views.resource_unsubscription, name="resource_unsubscription"),
    path(
        "resources/unsubscriptions/<int:pk>/check/",
        views.resource_unsubscription_check,
        name="resource_unsubscription_check",
    ),
    path("resources/pay-per-use/", views.on_demand_resources, name="on_demand_resources"),
    path("resources/<str:resource_id>/autorenew/", views.resource_autorenew, name="resource_autorenew"),
    path("usage/", views.usage_page, name="usage"),
    path("usage/csv/", views.usage_csv, name="usage_csv"),
]
