from django.urls import path

from intramuros.interop import views
from intramuros.interop.fhir import views as fhir

app_name = "interop"
urlpatterns = [
    path("labs/", views.lab_inbox, name="lab_inbox"),
    path("labs/<int:message_id>/", views.lab_message, name="lab_message"),
    path("labs/patient/<int:patient_id>/", views.patient_labs, name="patient_labs"),
    path("fhir/metadata", fhir.metadata, name="fhir_metadata"),
    path("fhir/<str:resource_type>", fhir.type_endpoint, name="fhir_type"),
    path("fhir/<str:resource_type>/<str:ident>", fhir.instance_endpoint, name="fhir_instance"),
]
