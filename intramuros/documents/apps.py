from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reinstall_shipped_templates(sender, **kwargs):
    """A database flush (test isolation, `flush`) empties what the data migration installed: put it back."""
    from django.db import connections

    from intramuros.documents.models import LetterTemplate
    from intramuros.documents.shipped import install_shipped

    connection = connections[kwargs.get("using", "default")]
    if LetterTemplate._meta.db_table in connection.introspection.table_names():  # migrated only some apps?
        install_shipped(LetterTemplate)


class DocumentsConfig(AppConfig):
    name = "intramuros.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        post_migrate.connect(_reinstall_shipped_templates, sender=self, dispatch_uid="documents-shipped")
