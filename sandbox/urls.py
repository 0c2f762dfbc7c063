from django.urls import include, path, re_path

from sandbox import control, views
from sandbox.bills import control as bills_control
from sandbox.bills import obs
from sandbox.commerce import control as commerce_control
from sandbox.tickets import control as tickets_control

urlpatterns = [
    path("_sandbox/health", control.health),
    path("_sandbox/reset", control.reset),
    path("_sandbox/config", control.config),
    path("_sandbox/faults", control.faults),
    path("_sandbox/faults/<int:fault_id>", control.fault_detail),
    path("_sandbox/outbox", control.outbox),
    path("_sandbox/requests", control.requests_log),
    path("_sandbox/customers", control.customers),
    path("_sandbox/customers/<str:customer_id>", control.customer_detail),
    path("_sandbox/clock", control.clock_view),
    path("_sandbox/realname", control.realname_applications),
    path("_sandbox/realname/<str:customer_id>/decision", control.realname_decision),
    path("_sandbox/console/purchase", commerce_control.console_purchase),
    path("_sandbox/orders/<str:order_id>", commerce_control.order_detail),
    path("_sandbox/bills", bills_control.bills),
    path("_sandbox/bills/generate", bills_control.generate),
    path("_sandbox/bills/open", bills_control.open_cycle),
    path("_sandbox/tickets", tickets_control.tickets),
    path("_sandbox/tickets/accessories/<str:accessory_id>", tickets_control.accessory_file),
    path("_sandbox/tickets/<str:incident_id>", tickets_control.ticket_detail),
    path("_sandbox/tickets/<str:incident_id>/reply", tickets_control.ticket_reply),
    path("_sandbox/tickets/<str:incident_id>/status", tickets_control.ticket_status),
    # The OBS stand-in (path-style S3 under /obs; sandbox/bills/obs.py).
    re_path(r"^obs(?:/(?P<rest>.*))?$", obs.serve),
    # The console and its SAML single sign-on (sandbox/console/).
    path("", include("sandbox.console.urls")),
    # Everything else is the simulated cloud; unknown paths answer 404 APIGW.0101 there.
    re_path(r"", views.api),
]
