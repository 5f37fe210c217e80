from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "intramuros.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from intramuros.core import threadlocals

        threadlocals.install()  # the active language, time zone and URL prefix read at thread-local speed
        # Settings rows read on every request (or every print) are cached per process: a save tells every
        # process (rowcache).
        for model in ("core.Practice", "audit.SecurityPolicy", "documents.Letterhead",
                      "agenda.AgendaSettings"):
            post_save.connect(_settings_row_changed, sender=model, dispatch_uid=f"rowcache-{model}-save")
            post_delete.connect(_settings_row_changed, sender=model, dispatch_uid=f"rowcache-{model}-delete")


def _settings_row_changed(sender, using=None, **kwargs):
    from django.db import transaction

    from intramuros.core import rowcache

    # Now (this process must not serve its old copy again) and after commit (another process may have
    # reloaded the old row in between).
    rowcache.changed()
    transaction.on_commit(rowcache.changed, using=using)
