"""Typed storage of form values: each field type has its column, so values can be charted and searched.

Reading always goes through the schema of the version a value was entered with.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from intramuros.clinical import formschema

COMPUTED_COLUMN = {"bmi": "value_number", "age": "value_number", "gestational_age": "value_number",
                   "due_date": "value_date", "zscore": "value_number"}
COLUMN = {"text": "value_text", "longtext": "value_text", "choice": "value_text", "number": "value_number",
          "date": "value_date", "yesno": "value_bool", "multichoice": "value_json"}
VALUE_COLUMNS = ("value_number", "value_text", "value_date", "value_bool", "value_json")


def column_for(field: dict) -> str:
    if field["type"] == "computed":
        return COMPUTED_COLUMN[field["compute"]]
    return COLUMN[field["type"]]


def is_empty(value) -> bool:
    return value is None or value == "" or value == []


def columns_for_value(field: dict, value) -> dict:
    """The column values of one FormValue row (the others cleared)."""
    row = {c: None for c in VALUE_COLUMNS}
    row["value_text"] = ""
    column = column_for(field)
    if column == "value_number":
        value = float(value)
    elif column == "value_json":
        value = list(value)
    row[column] = value
    return row


def read(field: dict, value_row) -> object:
    return getattr(value_row, column_for(field))


def display(field: dict, value) -> str:
    """A value as the practitioner reads it, with its unit and its option labels."""
    if is_empty(value):
        return ""
    ftype = field["type"]
    if ftype == "yesno":
        return _("yes") if value else _("no")
    if ftype in ("choice", "multichoice"):
        labels = {o["value"]: formschema.localized(o, "label") for o in field["options"]}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in values)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if ftype == "computed" and field["compute"] == "gestational_age":
        return formschema.format_gestational_age(value)
    if ftype == "computed" and field["compute"] == "age":
        return _("%(n)d years") % {"n": int(value)}
    if isinstance(value, float):
        decimals = field.get("decimals", 2 if field.get("compute") == "zscore" else 1)
        text = f"{value:.{decimals}f}"
    else:
        text = str(value)
    unit = formschema.localized(field, "unit") or ("kg/m²" if field.get("compute") == "bmi" else "")
    return f"{text} {unit}".strip()


def rows_for_display(schema: dict, values: dict) -> list[list[dict]]:
    """The layout rows of a form, each cell with its label and displayed value (empty cells left out)."""
    by_key = {f["key"]: f for f in schema["fields"]}
    rows = []
    for row in schema["layout"]:
        cells = []
        for key in row:
            field = by_key[key]
            shown = display(field, values.get(key))
            if shown:
                cells.append({"key": key, "label": formschema.localized(field, "label"), "value": shown})
        if cells:
            rows.append(cells)
    return rows
