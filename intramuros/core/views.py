from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from intramuros.accounts.access import capabilities
from intramuros.core.models import Practice

# Each app may add a block to the home page: templates/<app>/home_block.html, shown with the capability.
HOME_BLOCKS = [
    ("backup", "backup.manage"),
    ("agenda", "agenda.view"),
    ("patients", "identity.view"),
    ("documents", "documents.edit"),
    ("messaging", "messages.use"),
    ("interop", "labs.view"),
    ("billing", "billing.view"),
]


def _home_blocks(caps):
    blocks = []
    for app, capability in HOME_BLOCKS:
        if capability in caps:
            try:
                blocks.append(get_template(f"{app}/home_block.html"))
            except TemplateDoesNotExist:
                continue
    return blocks


@login_required
def home(request):
    """One home page; each role sees the blocks its capabilities allow."""
    caps = capabilities(request.user)
    return render(request, "core/home.html", {"practice": Practice.current(), "home_blocks": _home_blocks(caps)})


def health(request):
    """Liveness for monitoring on the practice network: says nothing about patients."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
