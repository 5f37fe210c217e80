"""Querysets compiled to SQL once, then run again with new values.

On the pages a practitioner opens all day (the patient summary, a consultation) the database answers each
small indexed query in a fraction of a millisecond, and building and compiling the queryset costs Django
several times that: a quarter of the summary page's CPU went to SQL compilation. A `Prepared` statement is
declared with the ORM, as a function of its parameters:

    ACTIVE_PROBLEMS = Prepared(lambda patient_id: Problem.objects.filter(patient_id=patient_id, status="active"))
    problems = ACTIVE_PROBLEMS.list(patient_id=patient.pk)

Its first run (per thread: a compiler holds its thread's connection) builds the queryset with stand-in
values, compiles it and notes where each stand-in lands among the SQL parameters; later runs swap in the new
values and turn the rows into model instances the way Django's own iterator does (column converters,
select_related). Only plain querysets are accepted: filter / exclude / order_by / select_related / only /
values_list / slicing. Each parameter must be an int, a str, a date or a datetime used as a plain comparison
value; a lookup that transforms it (`__startswith`, `__in` with a list...) is refused when the statement is
compiled, in words, rather than run wrong.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

_STAND_IN_YEAR = 1000  # no date of a practice; time zones cannot push it out of range (year 1 overflowed)


def _stand_in(name: str, value, k: int):
    """A value of the same type as `value` that no real query uses, distinct for each parameter."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"parameter {name!r}: booleans and None cannot be prepared, write them into the query")
    if isinstance(value, int):
        return -(2**52) - k
    if isinstance(value, str):
        return f"\x00prepared-{k}\x00"
    if isinstance(value, datetime.datetime):
        return datetime.datetime(_STAND_IN_YEAR, 1, 1, 0, 0, k, tzinfo=value.tzinfo)
    if isinstance(value, datetime.date):
        return datetime.date(_STAND_IN_YEAR, 1, 1 + k)
    raise TypeError(f"parameter {name!r}: {type(value).__name__} values cannot be prepared")


def _adapter(ops, value) -> Callable:
    """How the backend turns a value of this type into an SQL parameter (dates become text on SQLite)."""
    if isinstance(value, datetime.datetime):
        return ops.adapt_datetimefield_value
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value
    return lambda v: v


def _thread_cache(local: threading.local) -> dict:
    """This thread's compiled statements, by connection (a compiler holds its thread's connection)."""
    cache = getattr(local, "by_connection", None)
    if cache is None:
        cache = local.by_connection = {}
    return cache


@dataclass
class _Compiled:
    sql: str
    constants: list  # the SQL parameters, stand-ins included
    slots: dict  # parameter name -> (positions, adapter)
    compiler: object
    converters: dict
    kind: str  # "model", "tuples" or "flat"
    model: type | None = None
    init_list: list | None = None
    fields_slice: slice | None = None
    populators: list | None = None


class Prepared:
    def __init__(self, build: Callable, *, using: str = "default"):
        self.build = build
        self.using = using
        self._local = threading.local()

    def _compiled(self, params: dict) -> _Compiled:
        connection = connections[self.using]
        cache = _thread_cache(self._local)
        key = (id(connection), tuple(sorted((k, type(v)) for k, v in params.items())))
        compiled = cache.get(key)
        if compiled is None:
            compiled = cache[key] = self._compile(connection, params)
        return compiled

    def _compile(self, connection, params: dict) -> _Compiled:
        stand_ins = {name: _stand_in(name, value, k) for k, (name, value) in enumerate(sorted(params.items()))}
        queryset = self.build(**stand_ins)
        kind = {ModelIterable: "model", ValuesListIterable: "tuples", FlatValuesListIterable: "flat"}.get(
            queryset._iterable_class)
        if kind is None or queryset._prefetch_related_lookups or queryset.query.annotations:
            raise TypeError("only plain querysets (no annotate, prefetch_related or values()) can be prepared")
        compiler = queryset.query.get_compiler(using=self.using, connection=connection)
        sql, constants = compiler.as_sql()
        constants = list(constants)
        slots = {}
        for name, stand_in in stand_ins.items():
            adapt = _adapter(connection.ops, stand_in)
            adapted = adapt(stand_in)
            positions = [i for i, v in enumerate(constants) if type(v) is type(adapted) and v == adapted]
            # A text also used transformed (a prefix + '%', a range's end) would keep its stand-in there.
            transformed = isinstance(adapted, str) and any(
                isinstance(v, str) and adapted in v and v != adapted for v in constants)
            if not positions or transformed:
                raise TypeError(f"parameter {name!r} is transformed by its lookup: it cannot be prepared")
            slots[name] = (positions, adapt)
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        compiled = _Compiled(sql=sql, constants=constants, slots=slots, compiler=compiler,
                             converters=compiler.get_converters(fields), kind=kind)
        if kind == "model":
            info = compiler.klass_info
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            compiled.model = info["model"]
            compiled.fields_slice = slice(start, end)
            compiled.init_list = [f[0].target.attname for f in compiler.select[start:end]]
            compiled.populators = get_related_populators(info, compiler.select, self.using)
        return compiled

    @staticmethod
    def _values(compiled: _Compiled, params: dict) -> list:
        values = list(compiled.constants)
        for name, (positions, adapt) in compiled.slots.items():
            adapted = adapt(params[name])
            for i in positions:
                values[i] = adapted
        return values

    def statement(self, **params) -> tuple[str, list]:
        """The SQL and its parameters for these values (to EXPLAIN it)."""
        compiled = self._compiled(params)
        return compiled.sql, self._values(compiled, params)

    def _rows(self, compiled: _Compiled, params: dict) -> list:
        values = self._values(compiled, params)
        with connections[self.using].cursor() as cursor:
            cursor.execute(compiled.sql, values)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return rows

    def list(self, **params) -> list:
        """The rows: model instances, tuples (values_list) or values (values_list(flat=True))."""
        compiled = self._compiled(params)
        rows = self._rows(compiled, params)
        if compiled.kind == "tuples":
            return [tuple(r) for r in rows]
        if compiled.kind == "flat":
            return [r[0] for r in rows]
        objects = []
        for row in rows:
            obj = compiled.model.from_db(self.using, compiled.init_list, row[compiled.fields_slice])
            for populator in compiled.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def first(self, **params):
        """The first row or None (the query itself says how many rows: slice it, e.g. [:1])."""
        rows = self.list(**params)
        return rows[0] if rows else None


class PreparedInsert:
    """The INSERT of one row of `model`, compiled once per connection and thread, then run with each new row's
    values: what `obj.save(force_insert=True)` sends, without building and compiling the query every time
    (~0.2 ms). The audit log appends a row on every page view.

    For a plain model only: an automatic primary key, no parent model, and nothing that must happen in
    save() or in the pre_save / post_save signals (they are not sent)."""

    def __init__(self, model: type, *, using: str = "default"):
        from django.db.models.fields import AutoFieldMixin

        meta = model._meta
        if meta.parents or not isinstance(meta.pk, AutoFieldMixin):
            raise TypeError(f"{meta.label}: only a model with an automatic key and no parent can be prepared")
        self.model, self.using = model, using
        self.fields = [f for f in meta.local_concrete_fields if f is not meta.pk]
        self._local = threading.local()

    def _sql(self, connection, obj) -> tuple[str, bool]:
        cache = _thread_cache(self._local)
        compiled = cache.get(id(connection))
        if compiled is None:
            from django.db.models.sql.subqueries import InsertQuery

            query = InsertQuery(self.model)
            query.insert_values(self.fields, [obj])
            compiler = query.get_compiler(using=self.using, connection=connection)
            returning = connection.features.can_return_columns_from_insert
            compiler.returning_fields = [self.model._meta.pk] if returning else None
            [(sql, _values)] = compiler.as_sql()
            compiled = cache[id(connection)] = (sql, returning)
        return compiled

    def insert(self, obj) -> None:
        """Inserts `obj` (unsaved) and sets its primary key, as save() does."""
        connection = connections[self.using]
        sql, returning = self._sql(connection, obj)
        values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            if returning:
                pk = cursor.fetchone()[0]
            else:
                meta = self.model._meta
                pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
        obj.pk = pk
        obj._state.adding, obj._state.db = False, self.using
