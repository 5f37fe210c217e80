"""The navigation bar: each entry names a URL and the capability that shows it.

An entry whose URL does not exist (an app without pages yet) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.conf import settings
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from intramuros.core import urlcache

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


class LanguageSwitch:
    """The top bar's language form (it submits itself on change), drawn when a page shows it: a template
    include cost a quarter of a millisecond of every page, its URL, token and option loop resolved node by
    node."""

    NAMES = {"fr": "Français", "en": "English"}  # each language in its own tongue, whatever the active one

    def __init__(self, request):
        self.request = request

    def __html__(self) -> SafeString:
        active = get_language()
        options = "".join(
            f'\n    <option value="{escape(code)}"{" selected" if code == active else ""}>'
            f'{escape(self.NAMES.get(code, code))}</option>' for code, _name in settings.LANGUAGES)
        return SafeString(
            f'\n<form action="{escape(urlcache.url("set_language"))}" method="post" class="lang-switch" '
            f'data-autosubmit>\n  <input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{escape(get_token(self.request))}"><input name="next" type="hidden" '
            f'value="{escape(self.request.get_full_path())}">\n'
            f'  <label for="lang-select" class="visually-hidden">{escape(gettext("Language"))}</label>\n'
            f'  <select id="lang-select" name="language">\n    {options}\n  </select>\n'
            f'  <button type="submit" class="small">{escape(gettext("Change"))}</button>\n</form>\n')

    __str__ = __html__
