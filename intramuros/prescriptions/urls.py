from django.urls import path

from intramuros.prescriptions import views

app_name = "prescriptions"
urlpatterns = [
    path("", views.index, name="index"),
    path("drugs/<int:drug_id>/", views.drug_detail, name="drug"),
    path("lines/new/", views.line_new, name="line_new"),
    path("templates/", views.templates, name="templates"),
    path("patient/<int:patient_id>/", views.patient_list, name="patient_list"),
    path("patient/<int:patient_id>/new/", views.new, name="new"),
    path("patient/<int:patient_id>/check/", views.check, name="check"),
    path("patient/<int:patient_id>/<int:prescription_id>/", views.detail, name="detail"),
    path("patient/<int:patient_id>/<int:prescription_id>/print/", views.print_new, name="print"),
    path("patient/<int:patient_id>/<int:prescription_id>/prints/<int:print_id>.pdf", views.print_file,
         name="print_file"),
    path("patient/<int:patient_id>/<int:prescription_id>/renew/", views.renew, name="renew"),
    path("patient/<int:patient_id>/<int:prescription_id>/save-as-template/", views.template_save,
         name="template_save"),
]
