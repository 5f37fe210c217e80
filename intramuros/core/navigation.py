"""The navigation bar: each entry names a URL and the capability that shows it.

An entry whose URL does not exist (an app without pages yet) is skipped.
"""

from django.utils.translation import gettext_lazy as _

NAV = [
    ("core:home", _("Home"), None),
    ("patients:index", _("Patients"), "identity.view"),
    ("agenda:index", _("Agenda"), "agenda.view"),
    ("agenda:waiting_room", _("Waiting room"), "agenda.view"),
    ("prescriptions:index", _("Drugs"), "prescriptions.write"),
    ("documents:index", _("Documents"), "documents.view"),
    ("billing:index", _("Billing"), "billing.view"),
    ("interop:lab_inbox", _("Lab results"), "labs.view"),
    ("messaging:inbox", _("Messages"), "messages.use"),
    ("accounts:users", _("Users"), "admin.users"),
    ("audit:index", _("Audit"), "audit.view"),
    ("backup:index", _("Backups"), "backup.manage"),
    ("interop:tokens", _("Interoperability"), "interop.manage"),
    ("core:settings", _("Practice"), "admin.settings"),
    ("clinical:forms", _("Consultation forms"), "admin.settings"),
]
