from django.urls import path, re_path

from sandbox import control, views

urlpatterns = [
    path("_sandbox/health", control.health),
    path("_sandbox/reset", control.reset),
    path("_sandbox/config", control.config),
    path("_sandbox/faults", control.faults),
    path("_sandbox/faults/<int:fault_id>", control.fault_detail),
    path("_sandbox/outbox", control.outbox),
    path("_sandbox/requests", control.requests_log),
    path("_sandbox/customers/<str:customer_id>", control.customer_detail),
    # Everything else is the simulated cloud; unknown paths answer 404 APIGW.0101 there.
    re_path(r"", views.api),
]
