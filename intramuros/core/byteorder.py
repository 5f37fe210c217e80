"""Text ranges in byte order, served by an index on both databases.

A prefix search is a range: 'dup' <= name < 'dup' + U+10FFFF. On SQLite text compares in byte order (the
BINARY collation) and the plain operators walk the column's index. On PostgreSQL they follow the locale's
collation, which is not a byte order, and the index of a prefix search is built with the pattern operator
class (varchar_pattern_ops): there the range is written with its operators ~>=~ and ~<~, which compare bytes,
as PostgreSQL rewrites LIKE 'dup%' itself. Unlike LIKE, the value is sent as it is (no escaping, no '%'), so
that a statement of `core.prepared` can take it as a parameter.
"""

from __future__ import annotations

from django.db.models import F, Lookup, Q

TOP = "\U0010ffff"  # the last code point: sorts after every character in UTF-8 byte order


class _ByteOrder(Lookup):
    """Used as an expression (never registered on a field): `operator` on SQLite, `pattern_operator` on PostgreSQL."""

    operator: str
    pattern_operator: str

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = self.pattern_operator if connection.vendor == "postgresql" else self.operator
        return f"{lhs} {operator} {rhs}", (*lhs_params, *rhs_params)


class AtLeast(_ByteOrder):
    operator, pattern_operator = ">=", "~>=~"


class Below(_ByteOrder):
    operator, pattern_operator = "<", "~<~"


def byte_range(column: str, lo: str, hi: str) -> Q:
    """lo <= column < hi, in byte order."""
    return Q(AtLeast(F(column), lo), Below(F(column), hi))


def starts_with(column: str, prefix: str) -> Q:
    """`column` starts with `prefix` (an index range, not a scan)."""
    return byte_range(column, prefix, prefix + TOP)
