from django.urls import include, path

from billing import views

finance_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("cycles/", views.cycle_open, name="cycle_open"),
    path("cycles/<str:cycle>/", views.cycle_detail, name="cycle"),
    path("cycles/<str:cycle>/bills/", views.cycle_bills, name="cycle_bills"),
    path("cycles/<str:cycle>/reconciliation/", views.reconciliation, name="reconciliation"),
    path("cycles/<str:cycle>/export/<str:kind>.csv", views.export_csv, name="export_csv"),
    path("cycles/<str:cycle>/<str:action>/", views.cycle_action, name="cycle_action"),
    path("runs/<int:pk>/", views.run_progress, name="run_progress"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rules, name="rule"),
    path("bills/<int:pk>/", views.finance_bill, name="bill"),
    path("bills/<int:pk>/pdf/", views.finance_bill_pdf, name="bill_pdf"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]

urlpatterns = [
    path("bills/", views.bills, name="bills"),
    path("bills/<int:pk>/", views.bill_detail, name="bill_detail"),
    path("bills/<int:pk>/pdf/", views.bill_pdf, name="bill_pdf"),
    path("finance/", include((finance_patterns, "finance"))),
]
