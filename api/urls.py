"""/api/: version 1 of the REST API, its OpenAPI schema and documentation, and the account page's token forms."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from api.views import billing, customers, finance, orders, pages, tickets
from api.views.base import NotFoundView

v1 = [
    path("me/", customers.MeView.as_view(), name="me"),
    path("customers/", customers.CustomerListView.as_view(), name="customers"),
    path("customers/<int:pk>/", customers.CustomerDetailView.as_view(), name="customer"),
    path("customers/<int:pk>/budget/", customers.CustomerBudgetView.as_view(), name="customer_budget"),
    path("sync-runs/", customers.SyncRunListView.as_view(), name="sync_runs"),
    path("sync-status/", customers.SyncStatusView.as_view(), name="sync_status"),
    path("audit-log/", customers.AuditLogView.as_view(), name="audit_log"),
    path("orders/", orders.OrderListView.as_view(), name="orders"),
    path("orders/<str:order_id>/", orders.OrderDetailView.as_view(), name="order"),
    path("orders/<str:order_id>/pay/", orders.OrderPayView.as_view(), name="order_pay"),
    path("orders/<str:order_id>/cancel/", orders.OrderCancelView.as_view(), name="order_cancel"),
    path("resources/", orders.ResourceListView.as_view(), name="resources"),
    path("resources/renew/", orders.ResourceRenewView.as_view(), name="resources_renew"),
    path("resources/unsubscribe/", orders.ResourceUnsubscribeView.as_view(), name="resources_unsubscribe"),
    path("resources/<str:resource_id>/", orders.ResourceDetailView.as_view(), name="resource"),
    path("resources/<str:resource_id>/auto-renew/", orders.ResourceAutoRenewView.as_view(), name="resource_auto_renew"),
    path("renewals/<int:pk>/", orders.RenewalDetailView.as_view(), name="renewal"),
    path("unsubscriptions/<int:pk>/", orders.UnsubscriptionDetailView.as_view(), name="unsubscription"),
    path("pay-per-use-resources/", orders.OnDemandListView.as_view(), name="pay_per_use_resources"),
    path("usage/", orders.UsageView.as_view(), name="usage"),
    path("partner-bills/", billing.PartnerBillListView.as_view(), name="partner_bills"),
    path("partner-bills/<str:cycle>/", billing.PartnerBillDetailView.as_view(), name="partner_bill"),
    path(
        "partner-bills/<str:cycle>/reconciliation/",
        billing.ReconciliationView.as_view(),
        name="partner_bill_reconciliation",
    ),
    path(
        "partner-bills/<str:cycle>/reconciliation/customers/<str:customer_id>/",
        finance.CustomerServicesView.as_view(),
        name="partner_bill_reconciliation_customer",
    ),
    path("partner-bills/<str:cycle>/lines/", finance.BillLineListView.as_view(), name="partner_bill_lines"),
    path("partner-bills/<str:cycle>/sync/", finance.PartnerBillSyncView.as_view(), name="partner_bill_sync"),
    path("partner-bills/<str:cycle>/ingest/", finance.PartnerBillIngestView.as_view(), name="partner_bill_ingest"),
    path(
        "partner-bills/<str:cycle>/monthly-sums/", finance.MonthlySumsView.as_view(), name="partner_bill_monthly_sums"
    ),
    path("partner-bills/<str:cycle>/rate/", finance.RateView.as_view(), name="partner_bill_rate"),
    path("partner-bills/<str:cycle>/draft/", finance.DraftView.as_view(), name="partner_bill_draft"),
    path("partner-bills/<str:cycle>/export/<str:kind>.csv", finance.CycleCsvView.as_view(), name="partner_bill_csv"),
    path("ingest-runs/<int:pk>/", finance.IngestRunDetailView.as_view(), name="ingest_run"),
    path("rating-rules/", finance.RatingRuleListView.as_view(), name="rating_rules"),
    path("rating-rules/preview/", finance.RatingRulePreviewView.as_view(), name="rating_rules_preview"),
    path("rating-rules/<int:pk>/", finance.RatingRuleDetailView.as_view(), name="rating_rule"),
    path("rating-rules/<int:pk>/preview/", finance.RatingRuleChangePreviewView.as_view(), name="rating_rule_preview"),
    path("exports/", finance.ExportListView.as_view(), name="exports"),
    path("exports/<int:pk>/", finance.ExportDetailView.as_view(), name="export"),
    path("exports/<int:pk>/download/", finance.ExportDownloadView.as_view(), name="export_download"),
    path("customer-bills/", billing.CustomerBillListView.as_view(), name="customer_bills"),
    path("customer-bills/issue/", billing.CustomerBillsIssueView.as_view(), name="customer_bills_issue"),
    path("customer-bills/<int:pk>/", billing.CustomerBillDetailView.as_view(), name="customer_bill"),
    path("customer-bills/<int:pk>/pdf/", billing.CustomerBillPdfView.as_view(), name="customer_bill_pdf"),
    path("customer-bills/<int:pk>/issue/", billing.CustomerBillIssueView.as_view(), name="customer_bill_issue"),
    path("tickets/", tickets.TicketListView.as_view(), name="tickets"),
    path("tickets/<int:pk>/", tickets.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<int:pk>/messages/", tickets.TicketMessagesView.as_view(), name="ticket_messages"),
    path("tickets/<int:pk>/actions/", tickets.TicketActionView.as_view(), name="ticket_action"),
    re_path(r"", NotFoundView.as_view()),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny]), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[AllowAny]), name="redoc"),
    path("tokens/", pages.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
]
