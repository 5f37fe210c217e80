from django.urls import path

from intramuros.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.index, name="index"),
    path("patient/<int:patient_id>/", views.patient_account, name="patient_account"),
    path("patient/<int:patient_id>/invoice/", views.invoice_new, name="invoice_new"),
    path("invoice/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoice/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoice/<int:pk>/payment/", views.payment_new, name="payment_new"),
    path("invoice/<int:pk>/cancel/", views.invoice_cancel, name="invoice_cancel"),
    path("invoice/<int:pk>/follow-up/", views.follow_up_new, name="follow_up_new"),
    path("payment/<int:pk>/receipt/", views.receipt_pdf, name="receipt_pdf"),
    path("unpaid/", views.unpaid, name="unpaid"),
    path("takings/", views.takings, name="takings"),
    path("takings/close/", views.day_close, name="day_close"),
    path("takings/reopen/", views.day_reopen, name="day_reopen"),
    path("summary/<int:year>/<int:month>/", views.summary_month, name="summary_month"),
    path("summary/<int:year>/", views.summary_year, name="summary_year"),
    path("export/", views.export, name="export"),
    path("statistics/", views.statistics, name="statistics"),
    path("fees/", views.fees, name="fees"),
    path("fees/act/new/", views.act_edit, name="act_new"),
    path("fees/act/<int:pk>/", views.act_edit, name="act_edit"),
    path("fees/template/new/", views.template_edit, name="template_new"),
    path("fees/template/<int:pk>/", views.template_edit, name="template_edit"),
    path("fees/import/", views.fee_import, name="fee_import"),
]
