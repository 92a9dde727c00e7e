from django.urls import path

from . import views

app_name = "settlement"

urlpatterns = [
    path("statements/", views.statement_list, name="statement_list"),
    path("statements/build/", views.statement_build, name="statement_build"),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/export/", views.statement_export_period, name="statement_export_period"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("statements/<int:pk>/lines.csv", views.statement_csv, name="statement_csv"),
    path("statements/<int:pk>/lines.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("verify/", views.statement_verify, name="statement_verify_form"),
    path("verify/<str:code>/", views.statement_verify, name="statement_verify"),
    path("statements/<int:pk>/dispute/", views.statement_dispute, name="statement_dispute"),
    path("disputes/evidence/<int:pk>/", views.dispute_evidence, name="dispute_evidence"),
    path(
        "statements/<int:pk>/<slug:action>/",
        views.statement_transition,
        name="statement_transition",
    ),
    path("disputes/<int:pk>/resolve/", views.dispute_resolve, name="dispute_resolve"),
    path("settings/", views.settlement_settings, name="settings"),
    path("settings/tax-rates/", views.partner_tax_rate, name="partner_tax_rate"),
    path("reconciliation/", views.reconciliation_run_list, name="reconciliation_run_list"),
    path("reconciliation/start/", views.reconciliation_run_start, name="reconciliation_run_start"),
    path(
        "reconciliation/runs/<int:pk>/",
        views.reconciliation_run_detail,
        name="reconciliation_run",
    ),
    path("reconciliation/orders/", views.reconciliation_order_list, name="reconciliation_orders"),
    path("reconciliation/anomalies/", views.anomaly_list, name="anomaly_list"),
    path("reconciliation/anomalies/bulk/", views.anomaly_bulk_resolve, name="anomaly_bulk_resolve"),
    path(
        "reconciliation/anomalies/<int:pk>/resolve/",
        views.anomaly_resolve,
        name="anomaly_resolve",
    ),
]
