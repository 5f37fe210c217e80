"""Django's PostgreSQL backend, with bulk statements cut to fit values bound on the server.

The settings bind values on the server (`server_side_binding`), where a statement carries at most 65,535
parameters (the protocol counts them in 16 bits). Bound in the client, there was no limit and Django never
splits a bulk_create, a bulk_update or a deletion's batches: 5,000 patients in one bulk_create (19 columns)
were refused. Here each batch holds as many rows as fit.
"""

from django.db.backends.postgresql import base, operations

MAX_PARAMETERS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        return max(MAX_PARAMETERS // max(len(fields), 1), 1)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
