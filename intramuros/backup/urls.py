from django.urls import path

from intramuros.backup import views

app_name = "backup"
urlpatterns = [
    path("", views.index, name="index"),
    path("run/", views.run, name="run"),
    path("patients/<int:patient_id>/export/", views.patient_export, name="patient_export"),
]
