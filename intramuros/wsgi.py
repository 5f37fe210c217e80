import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Pay the one-off costs before the first user does: the PDF engine and its fonts, the URL resolver and
    the templates' loader are loaded now. Then everything loaded so far is set aside from the garbage
    collector (gc.freeze): it lives as long as the process, and full collections no longer walk it."""
    from django.urls import get_resolver

    from intramuros.documents.pdf import warm_up

    get_resolver().url_patterns  # noqa: B018 - imports every app's views
    warm_up()
    gc.collect()
    gc.freeze()


_warm_up()
