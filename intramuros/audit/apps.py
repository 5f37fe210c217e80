from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "intramuros.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from intramuros.audit import checks  # noqa: F401 - registers the system check
