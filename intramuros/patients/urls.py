from django.urls import path

from intramuros.patients import views, views_correspondents, views_merge, views_tags

app_name = "patients"
urlpatterns = [
    path("tags/", views_tags.tag_list, name="tags"),
    path("<int:patient_id>/tags/", views_tags.patient_tag, name="patient_tag"),
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("new/", views.new, name="new"),
    path("deleted/", views.deleted, name="deleted"),
    path("merge/", views_merge.merge, name="merge"),
    path("merges/", views_merge.merges, name="merges"),
    path("merges/<int:merge_id>/undo/", views_merge.unmerge, name="unmerge"),
    path("correspondents/", views_correspondents.correspondents, name="correspondents"),
    path("correspondents/new/", views_correspondents.correspondent_edit, name="correspondent_new"),
    path("correspondents/<int:correspondent_id>/", views_correspondents.correspondent_edit,
         name="correspondent_edit"),
    path("correspondents/<int:correspondent_id>/delete/", views_correspondents.correspondent_delete,
         name="correspondent_delete"),
    path("<int:patient_id>/", views.identity, name="identity"),
    path("<int:patient_id>/edit/", views.edit, name="edit"),
    path("<int:patient_id>/photo/", views.photo, name="photo"),
    path("<int:patient_id>/photo/change/", views.photo_upload, name="photo_upload"),
    path("<int:patient_id>/history/", views.history, name="history"),
    path("<int:patient_id>/delete/", views.delete, name="delete"),
    path("<int:patient_id>/restore/", views.restore, name="restore"),
    path("<int:patient_id>/correspondents/link/", views_correspondents.link, name="link"),
    path("<int:patient_id>/correspondents/<int:link_id>/unlink/", views_correspondents.unlink, name="unlink"),
]
