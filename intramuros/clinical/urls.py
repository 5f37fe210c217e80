from django.urls import path

from intramuros.clinical import views

app_name = "clinical"

P = "p/<int:patient_id>/"
urlpatterns = [
    path(P, views.summary, name="summary"),
    path(P + "record/", views.record, name="record"),
    path(P + "record/<slug:kind>/add/", views.item_add, name="item_add"),
    path(P + "record/<slug:kind>/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path(P + "record/<slug:kind>/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path(P + "record/<slug:kind>/<int:pk>/restore/", views.item_restore, name="item_restore"),
    path(P + "record/<slug:kind>/<int:pk>/history/", views.item_history, name="item_history"),
    path(P + "record/treatment/<int:pk>/stop/", views.treatment_stop, name="treatment_stop"),
    path(P + "deleted/", views.deleted, name="deleted"),
    path(P + "consultations/", views.consultations, name="consultations"),
    path(P + "consultations/new/", views.consultation_create, name="consultation_create"),
    path(P + "consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path(P + "consultations/<int:pk>/edit/", views.consultation_edit, name="consultation_edit"),
    path(P + "timeline/", views.timeline, name="timeline"),
    path(P + "charts/", views.chart_page, name="charts"),
    path("icd10/search/", views.icd10_search, name="icd10_search"),
    path("forms/", views.form_list, name="forms"),
    path("forms/new/", views.form_edit, name="form_new"),
    path("forms/<int:pk>/", views.form_edit, name="form_edit"),
    path("forms/<int:pk>/v<int:number>/", views.form_version, name="form_version"),
]
