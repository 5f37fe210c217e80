from django.urls import path

from intramuros.messaging import views, views_devices, views_imaging

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.sent, name="sent"),
    path("new/", views.compose, name="compose"),
    path("<int:message_id>/", views.thread, name="thread"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:task_id>/toggle/", views.task_toggle, name="task_toggle"),
    path("patient/<int:patient_id>/", views.patient_messages, name="patient_messages"),
    path("mail/printed/<int:printed_id>/", views.mail_printed, name="mail_printed"),
    path("mail/<int:mail_id>/retry/", views.mail_retry, name="mail_retry"),
    path("capture/patient/<int:patient_id>/", views_devices.capture_start, name="capture_start"),
    path("capture/status/<int:link_id>/", views_devices.capture_status, name="capture_status"),
    path("capture/<str:token>/", views_devices.capture_phone, name="capture_phone"),
    path("tablets/", views_devices.tablet_admin, name="tablet_admin"),
    path("tablets/<int:tablet_id>/revoke/", views_devices.tablet_revoke, name="tablet_revoke"),
    path("tablets/send/<int:printed_id>/", views_devices.signature_send, name="signature_send"),
    path("imaging/<int:patient_id>/", views_imaging.patient_imaging, name="patient_imaging"),
    path("imaging/<int:patient_id>/preview/<str:instance_id>/", views_imaging.imaging_preview, name="imaging_preview"),
    path("imaging/<int:patient_id>/attach/<str:instance_id>/", views_imaging.imaging_attach, name="imaging_attach"),
    path("imaging/<int:patient_id>/worklist/", views_imaging.imaging_worklist, name="imaging_worklist"),
    path("tablet/", views_devices.tablet_home, name="tablet_home"),
    path("tablet/pair/<str:code>/", views_devices.tablet_pair, name="tablet_pair"),
    path("tablet/pending/", views_devices.tablet_pending, name="tablet_pending"),
    path("tablet/document/<int:request_id>/", views_devices.tablet_document, name="tablet_document"),
    path("tablet/sign/<int:request_id>/", views_devices.tablet_sign, name="tablet_sign"),
]
