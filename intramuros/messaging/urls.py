from django.urls import path

from intramuros.messaging import views

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
]
