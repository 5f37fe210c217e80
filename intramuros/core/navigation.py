"""The navigation bar: each entry names a URL and the capability that shows it.

An entry whose URL does not exist (an app without pages yet) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.utils.safestring import SafeString
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

# A number shown beside an entry, registered by the app that owns it (messaging: the unread messages):
# entry name -> (the count for a request, the badge's title).
BADGES: dict[str, tuple[Callable, str]] = {}


def links_html(items: list[dict], request=None) -> SafeString:
    """`<li>` links of a list of entries ({"url", "label", "active", "key"}), the current one marked, with the
    badges registered for them (counted for `request`). Drawn here rather than by a template loop over a
    dozen entries, which cost half a millisecond of every page."""
    parts = []
    for item in items:
        current = ' aria-current="page"' if item["active"] else ""
        badge = ""
        count, title = BADGES.get(item.get("key"), (None, ""))
        if count is not None and (n := count(request)):
            badge = f' <span class="badge danger" title="{escape(str(title))}">{n:d}</span>'
        parts.append(f'<li><a href="{escape(item["url"])}"{current}>{escape(str(item["label"]))}{badge}</a></li>')
    return SafeString("".join(parts))


class NavBar:
    """The entries of the navigation bar as HTML, drawn when a page shows them: an htmx partial does not,
    and then no badge is counted."""

    def __init__(self, request, items: list[dict]):
        self.request, self.items, self._html = request, items, None

    def __html__(self) -> SafeString:
        if self._html is None:
            self._html = links_html(self.items, self.request)
        return self._html

    __str__ = __html__
