from django.urls import path

from intramuros.documents import views, views_admin, views_letters

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("patient/<int:patient_id>/", views.patient_list, name="patient_list"),
    path("patient/<int:patient_id>/upload/", views.upload, name="upload"),
    path("patient/<int:patient_id>/letters/new/", views_letters.letter_new, name="letter_new"),
    path("d/<int:document_id>/", views.document, name="document"),
    path("d/<int:document_id>/content/", views.document_content, name="document_content"),
    path("d/<int:document_id>/edit/", views.document_edit, name="document_edit"),
    path("d/<int:document_id>/delete/", views.document_delete, name="document_delete"),
    path("inbox/<int:item_id>/", views.inbox_item, name="inbox_item"),
    path("inbox/<int:item_id>/content/", views.inbox_content, name="inbox_content"),
    path("inbox/<int:item_id>/discard/", views.inbox_discard, name="inbox_discard"),
    path("inbox/patients/", views.patient_picker, name="patient_picker"),
    path("letters/<int:letter_id>/", views_letters.letter, name="letter"),
    path("letters/<int:letter_id>/preview/", views_letters.letter_preview, name="letter_preview"),
    path("letters/<int:letter_id>/print/", views_letters.letter_print, name="letter_print"),
    path("letters/<int:letter_id>/new-version/", views_letters.letter_new_version, name="letter_new_version"),
    path("letters/<int:letter_id>/delete/", views_letters.letter_delete, name="letter_delete"),
    path("printed/<int:printed_id>/", views_letters.printed, name="printed"),
    path("printed/<int:printed_id>/pdf/", views_letters.printed_pdf, name="printed_pdf"),
    path("printed/<int:printed_id>/reprint/", views_letters.printed_reprint, name="printed_reprint"),
    path("templates/", views_admin.template_list, name="templates"),
    path("templates/new/", views_admin.template_edit, name="template_new"),
    path("templates/<int:template_id>/", views_admin.template_edit, name="template_edit"),
    path("templates/<int:template_id>/delete/", views_admin.template_delete, name="template_delete"),
    path("templates/preview/", views_admin.template_preview, name="template_preview"),
    path("templates/preview.pdf", views_admin.template_preview_pdf, name="template_preview_pdf"),
    path("letterhead/", views_admin.letterhead_edit, name="letterhead"),
    path("letterhead/sample.pdf", views_admin.letterhead_sample, name="letterhead_sample"),
    path("letterhead/<int:user_id>/", views_admin.letterhead_edit, name="letterhead_practitioner"),
    path("letterhead/<int:user_id>/sample.pdf", views_admin.letterhead_sample, name="letterhead_practitioner_sample"),
]
