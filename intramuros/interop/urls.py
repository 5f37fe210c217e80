from django.urls import path

from intramuros.interop import views

app_name = "interop"
urlpatterns = [
    path("labs/", views.lab_inbox, name="lab_inbox"),
    path("labs/<int:message_id>/", views.lab_message, name="lab_message"),
    path("labs/patient/<int:patient_id>/", views.patient_labs, name="patient_labs"),
]
