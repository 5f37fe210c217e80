from django.urls import path

from intramuros.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("patients/<int:patient_id>/", views.patient_report, name="patient_report"),
    path("patients/<int:patient_id>/pdf/", views.patient_report_pdf, name="patient_report_pdf"),
    path("break-glass/<int:patient_id>/", views.break_glass, name="break_glass"),
    path("security/", views.security, name="security"),
    path("security/lockdown/", views.lockdown_switch, name="lockdown"),
]
