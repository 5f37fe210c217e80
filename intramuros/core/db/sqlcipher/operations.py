"""Django's SQLite operations, with a cheaper converter for the datetime values read.

Every datetime read from the database goes through the backend's converter: a search result of twenty
patients converts some 160 of them. Django's reads `settings.USE_TZ` through the lazy settings object and
checks the value's awareness twice for each one; here the setting is read once per query, when Django asks
for the converters, and a naive value (the file stores UTC without an offset) only gets its time zone.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.backends.sqlite3.operations import DatabaseOperations as SQLiteOperations
from django.utils.dateparse import parse_datetime


class DatabaseOperations(SQLiteOperations):
    def get_db_converters(self, expression):
        converters = super().get_db_converters(expression)
        if expression.output_field.get_internal_type() == "DateTimeField":
            stock = self.convert_datetimefield_value
            converters = [self._datetime_converter() if c == stock else c for c in converters]
        return converters

    def _datetime_converter(self):
        zone = self.connection.timezone if settings.USE_TZ else None

        def convert(value, expression, connection):
            if value is None:
                return None
            if not isinstance(value, datetime.datetime):  # an expression's result comes back as text
                value = parse_datetime(value)
            if zone is not None and value.tzinfo is None:
                return value.replace(tzinfo=zone)
            return value

        return convert
