from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "intramuros.messaging"
    label = "messaging"
    verbose_name = _("Messages and tasks")

    def ready(self):
        from intramuros.core.navigation import BADGES
        from intramuros.messaging.context_processors import unread_for

        BADGES["messaging:inbox"] = (unread_for, _("unread"))
