from django.urls import path, re_path

from intramuros.interop import views, views_admin
from intramuros.interop.fhir import views as fhir

app_name = "interop"
urlpatterns = [
    path("labs/", views.lab_inbox, name="lab_inbox"),
    path("labs/<int:message_id>/", views.lab_message, name="lab_message"),
    path("labs/patient/<int:patient_id>/", views.patient_labs, name="patient_labs"),
    path("interop/tokens/", views_admin.tokens, name="tokens"),
    path("interop/tokens/<int:token_id>/revoke/", views_admin.token_revoke, name="token_revoke"),
    path("interop/import/patients/", views_admin.csv_upload, name="csv_upload"),
    path("interop/import/patients/columns/", views_admin.csv_mapping, name="csv_mapping"),
    path("interop/import/patients/cancel/", views_admin.csv_cancel, name="csv_cancel"),
    path("fhir/metadata", fhir.metadata, name="fhir_metadata"),
    path("fhir/<str:resource_type>", fhir.type_endpoint, name="fhir_type"),
    path("fhir/<str:resource_type>/<str:ident>", fhir.instance_endpoint, name="fhir_instance"),
    re_path(r"^fhir(?P<rest>/.*)?$", fhir.unknown_path),
]
