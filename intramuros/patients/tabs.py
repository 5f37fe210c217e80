"""The tabs of a patient file: other apps plug their pages in by URL name.

Each entry is (URL name, label, capability). Every URL takes one kwarg, `patient_id`. A tab is shown when the
user holds the capability and the URL exists (an app without that page yet is simply skipped), so the
secretary never even sees a link to clinical content.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from intramuros.accounts.access import capabilities
from intramuros.core import urlcache

FILE_TABS = [
    ("patients:identity", _("Identity"), "identity.view"),
    ("clinical:summary", _("Summary"), "clinical.view"),
    ("clinical:record", _("Medical record"), "clinical.view"),
    ("clinical:consultations", _("Consultations"), "clinical.view"),
    ("clinical:timeline", _("Timeline"), "clinical.view"),
    ("prescriptions:patient_list", _("Prescriptions"), "prescriptions.write"),
    ("documents:patient_list", _("Documents"), "documents.view"),
    ("agenda:patient_appointments", _("Appointments"), "agenda.view"),
    ("billing:patient_account", _("Account"), "billing.view"),
    ("interop:patient_labs", _("Lab results"), "labs.view"),
    ("messaging:patient_imaging", _("Imaging"), "clinical.view"),
    ("messaging:patient_messages", _("Messages"), "messages.use"),
]


def tabs_for(*, patient, user, current: str = "") -> list[dict]:
    """The tabs `user` may open for `patient`; `current` is the view name of the page being shown."""
    caps = capabilities(user)
    tabs = []
    for name, label, capability in FILE_TABS:
        if capability not in caps:
            continue
        url = urlcache.patient_url(name, patient.pk)
        if url is None:
            continue
        tabs.append({"name": name, "url": url, "label": label, "active": name == current})
    return tabs
