import gc
import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Pay the one-off costs before the first user does: the URL resolver imports every view, the PDF engine
    loads its fonts (~1.5 s the first time). Then what is loaded so far is set aside from the garbage collector
    (gc.freeze): it lives as long as the process, and full collections no longer walk it.

    In a background thread: the server answers meanwhile, and a stop asked during start-up is not held up
    (a server process busy loading the PDF engine in its main thread did not stop)."""
    from django.urls import get_resolver

    from intramuros.documents.pdf import warm_up

    get_resolver().url_patterns  # noqa: B018 - imports every app's views
    warm_up()
    gc.collect()
    gc.freeze()


threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
