"""Django's database sessions, with the session row read by a statement compiled once (core/prepared.py).

Every request reads its session: building and compiling that query each time cost more than SQLite spent
answering it.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from intramuros.core.prepared import Prepared

_SESSION = Prepared(lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now)[:1])


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        session = _SESSION.first(key=self.session_key, now=timezone.now()) if self.session_key else None
        if session is None:
            self._session_key = None  # as Django does for a missing or expired session
        return session
