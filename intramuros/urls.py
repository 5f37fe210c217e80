from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("intramuros.accounts.urls")),
    path("", include("intramuros.core.urls")),
    path("audit/", include("intramuros.audit.urls")),
    path("patients/", include("intramuros.patients.urls")),
    path("clinical/", include("intramuros.clinical.urls")),
    path("agenda/", include("intramuros.agenda.urls")),
    path("prescriptions/", include("intramuros.prescriptions.urls")),
    path("documents/", include("intramuros.documents.urls")),
    path("billing/", include("intramuros.billing.urls")),
    path("backups/", include("intramuros.backup.urls")),
    path("", include("intramuros.interop.urls")),
    path("messages/", include("intramuros.messaging.urls")),
]

handler403 = "intramuros.core.errors.forbidden"
handler404 = "intramuros.core.errors.not_found"
handler500 = "intramuros.core.errors.server_error"
