"""Django's password backend, with the user read by a statement compiled once (core/prepared.py).

Every request of a logged-in user reads their row: building and compiling that query each time cost more
than SQLite spent answering it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from intramuros.core.prepared import Prepared

_USER = Prepared(lambda pk: get_user_model()._default_manager.filter(pk=pk)[:1])


class PasswordBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = _USER.first(pk=int(user_id))
        except (TypeError, ValueError, OverflowError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
