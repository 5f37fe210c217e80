"""Configurable forms: YAML source -> a validated schema (plain JSON), and the computed fields.

A form file looks like this (see intramuros/clinical/forms/*.yaml):

    key: pregnancy_followup
    title: Pregnancy follow-up
    title_fr: Suivi de grossesse          # optional translations: label_fr, help_fr, title_fr
    specialty: Gynécologie-obstétrique
    fields:
      - {key: lmp, type: date, label: Last menstrual period, required: true}
      - {key: fundal_height, type: number, label: Fundal height, unit: cm, min: 5, max: 45}
      - {key: term, type: computed, compute: due_date, lmp: lmp, label: Expected term}
    layout:
      - [lmp, term]
      - [fundal_height]

Field types: text, longtext, number (unit, min, max, decimals), date, choice and multichoice (options),
yesno, computed (compute: bmi | age | gestational_age | due_date | zscore). Any error names the field and
says what to change; nothing is saved from a file with an error.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import yaml
from django.utils.translation import get_language
from django.utils.translation import gettext as _

FIELD_TYPES = {"text", "longtext", "number", "date", "choice", "multichoice", "yesno", "computed"}
TYPE_ALIASES = {"long_text": "longtext", "multiple_choice": "multichoice", "bool": "yesno", "boolean": "yesno"}
# For each computation: its inputs (parameter -> accepted field types), and the type of its result.
COMPUTATIONS: dict[str, tuple[dict[str, set[str]], str]] = {
    "bmi": ({"weight": {"number"}, "height": {"number"}}, "number"),
    "age": ({}, "number"),
    "gestational_age": ({"lmp": {"date"}}, "number"),
    "due_date": ({"lmp": {"date"}}, "date"),
    "zscore": ({"measure": {"number"}}, "number"),
}
ZSCORE_INDICATORS = {"wfa", "lhfa", "hcfa", "bmifa"}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
FIELD_ATTRS = {"key", "type", "label", "label_fr", "help", "help_fr", "required", "unit", "unit_fr", "min", "max",
               "decimals", "options", "compute", "weight", "height", "lmp", "measure", "indicator", "lines"}


class FormSchemaError(ValueError):
    """A form file that cannot be used; `field` names the faulty field when there is one."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


def _fail(message: str, field: str = ""):
    prefix = _("Field “%(key)s”: ") % {"key": field} if field else ""
    raise FormSchemaError(prefix + message, field=field)


def _number(value, what: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(_("%(what)s must be a number, not “%(value)s”.") % {"what": what, "value": value}, key)
    return float(value)


def _options(raw, key: str) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        _fail(_("a choice field needs a non-empty list of options."), key)
    options, seen = [], set()
    for item in raw:
        if isinstance(item, dict):
            value, label, label_fr = str(item.get("value", "")), item.get("label"), item.get("label_fr", "")
        else:
            value, label, label_fr = str(item), str(item), ""
        if not value:
            _fail(_("every option needs a value."), key)
        if value in seen:
            _fail(_("the option “%(value)s” is listed twice.") % {"value": value}, key)
        seen.add(value)
        options.append({"value": value, "label": str(label or value), "label_fr": str(label_fr or "")})
    return options


def _field(raw, index: int) -> dict:
    if not isinstance(raw, dict):
        _fail(_("Field number %(n)d must be a mapping with at least key, type and label.") % {"n": index + 1})
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        _fail(_("Field number %(n)d has no valid key: use lower-case letters, digits and underscores, "
                "starting with a letter.") % {"n": index + 1}, str(key or ""))
    unknown = set(raw) - FIELD_ATTRS
    if unknown:
        _fail(_("unknown setting(s) %(names)s.") % {"names": ", ".join(sorted(map(str, unknown)))}, key)
    ftype = TYPE_ALIASES.get(raw.get("type"), raw.get("type"))
    if ftype not in FIELD_TYPES:
        _fail(_("unknown field type “%(type)s”: use one of %(types)s.")
              % {"type": raw.get("type"), "types": ", ".join(sorted(FIELD_TYPES))}, key)
    field = {
        "key": key, "type": ftype, "label": str(raw.get("label") or key), "label_fr": str(raw.get("label_fr", "")),
        "help": str(raw.get("help", "")), "help_fr": str(raw.get("help_fr", "")),
        "required": bool(raw.get("required", False)), "unit": str(raw.get("unit", "")),
        "unit_fr": str(raw.get("unit_fr", "")),
    }
    if ftype == "number":
        field["min"] = _number(raw["min"], "min", key) if "min" in raw else None
        field["max"] = _number(raw["max"], "max", key) if "max" in raw else None
        if field["min"] is not None and field["max"] is not None and field["min"] > field["max"]:
            _fail(_("min (%(min)s) is greater than max (%(max)s).") % {"min": raw["min"], "max": raw["max"]}, key)
        field["decimals"] = int(_number(raw.get("decimals", 1), "decimals", key))
    if ftype in ("choice", "multichoice"):
        field["options"] = _options(raw.get("options"), key)
    if ftype == "longtext":
        field["lines"] = int(_number(raw.get("lines", 4), "lines", key))
    if ftype == "computed":
        compute = raw.get("compute")
        if compute not in COMPUTATIONS:
            _fail(_("unknown computation “%(c)s”: use one of %(all)s.")
                  % {"c": compute, "all": ", ".join(sorted(COMPUTATIONS))}, key)
        field["compute"] = compute
        field["required"] = False
        for param in COMPUTATIONS[compute][0]:
            if not raw.get(param):
                _fail(_("the computation %(c)s needs “%(p)s:” naming the field it reads.")
                      % {"c": compute, "p": param}, key)
            field[param] = str(raw[param])
        if compute == "zscore":
            if raw.get("indicator") not in ZSCORE_INDICATORS:
                _fail(_("a z-score needs an indicator among %(all)s.")
                      % {"all": ", ".join(sorted(ZSCORE_INDICATORS))}, key)
            field["indicator"] = raw["indicator"]
    return field


def parse_form(source: str) -> dict:
    """Parse and validate a YAML form file; raise FormSchemaError with a clear message on any fault."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" at line %(line)d") % {"line": mark.line + 1} if mark else ""
        raise FormSchemaError(_("The file is not valid YAML%(where)s: %(problem)s.")
                              % {"where": where, "problem": getattr(exc, "problem", exc)}) from None
    if not isinstance(data, dict):
        raise FormSchemaError(_("The file must describe one form: a mapping with key, title and fields."))
    key = data.get("key")
    if not isinstance(key, str) or not re.match(r"^[a-z][a-z0-9_-]{0,59}$", key):
        raise FormSchemaError(_("The form needs a key: lower-case letters, digits, - and _ (e.g. adult_checkup)."))
    if not data.get("title"):
        raise FormSchemaError(_("The form needs a title."))
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise FormSchemaError(_("The form needs a non-empty list of fields."))
    fields, by_key = [], {}
    for index, raw in enumerate(raw_fields):
        field = _field(raw, index)
        if field["key"] in by_key:
            _fail(_("this key is used by two fields: each field needs its own key."), field["key"])
        by_key[field["key"]] = field
        fields.append(field)
    position = {f["key"]: i for i, f in enumerate(fields)}
    for field in fields:  # references are checked once every field is known
        if field["type"] != "computed":
            continue
        for param, accepted in COMPUTATIONS[field["compute"]][0].items():
            target = by_key.get(field[param])
            if target is None:
                _fail(_("“%(p)s: %(ref)s” refers to no field of this form.") % {"p": param, "ref": field[param]},
                      field["key"])
            # A computed field may feed another (BMI -> BMI z-score) if it comes first: no loop is possible.
            target_type = target["type"]
            if target_type == "computed":
                target_type = COMPUTATIONS[target["compute"]][1]
                if position[target["key"]] >= position[field["key"]]:
                    _fail(_("“%(p)s: %(ref)s” must be computed before this field: list it earlier (a field "
                            "cannot read itself).")
                          % {"p": param, "ref": field[param]}, field["key"])
            if target_type not in accepted:
                _fail(_("“%(p)s: %(ref)s” must refer to a %(types)s field, not a %(type)s field.")
                      % {"p": param, "ref": field[param], "types": "/".join(sorted(accepted)),
                         "type": target_type}, field["key"])
    layout = _layout(data.get("layout"), fields, by_key)
    return {
        "key": key, "title": str(data["title"]), "title_fr": str(data.get("title_fr", "")),
        "specialty": str(data.get("specialty", "")), "fields": fields, "layout": layout,
    }


def _layout(raw, fields: list[dict], by_key: dict) -> list[list[str]]:
    if raw is None:
        return [[f["key"]] for f in fields]
    if not isinstance(raw, list):
        raise FormSchemaError(_("layout must be a list of rows, each row a list of field keys."))
    rows, placed = [], set()
    for row in raw:
        row = row if isinstance(row, list) else [row]
        for key in row:
            if key not in by_key:
                _fail(_("the layout places a field that does not exist."), str(key))
            if key in placed:
                _fail(_("the layout places this field twice."), str(key))
            placed.add(key)
        rows.append([str(k) for k in row])
    # A field left out of the layout still gets its own row: no value can be lost by a layout slip.
    rows.extend([f["key"]] for f in fields if f["key"] not in placed)
    return rows


def localized(item: dict, attr: str) -> str:
    if (get_language() or "fr").startswith("fr") and item.get(f"{attr}_fr"):
        return item[f"{attr}_fr"]
    return item.get(attr, "")


# Computations ---------------------------------------------------------------------------------------------

def age_years(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def gestational_age_days(lmp: datetime.date, on: datetime.date) -> int | None:
    days = (on - lmp).days
    return days if 0 <= days <= 45 * 7 else None


def format_gestational_age(days) -> str:
    if days is None:
        return ""
    days = int(days)
    return _("%(weeks)d WA + %(days)d d") % {"weeks": days // 7, "days": days % 7}


def due_date(lmp: datetime.date) -> datetime.date:
    """Naegele's rule: 280 days (40 weeks of amenorrhoea) after the last menstrual period."""
    return lmp + datetime.timedelta(days=280)


def compute_values(schema: dict, values: dict, *, patient, on: datetime.date) -> dict:
    """Fill the computed fields of `values` (key -> typed value) from the entered ones."""
    from intramuros.clinical import growth, vitals

    out = dict(values)
    for field in schema["fields"]:
        if field["type"] != "computed":
            continue
        compute, result = field["compute"], None
        if compute == "bmi":
            bmi = vitals.bmi(out.get(field["weight"]), out.get(field["height"]))
            result = float(bmi) if bmi is not None else None
        elif compute == "age":
            result = age_years(patient.birth_date, on) if patient.birth_date else None
        elif compute == "gestational_age" and out.get(field["lmp"]):
            result = gestational_age_days(out[field["lmp"]], on)
        elif compute == "due_date" and out.get(field["lmp"]):
            result = due_date(out[field["lmp"]])
        elif compute == "zscore" and out.get(field["measure"]) is not None:
            result = growth.zscore(field["indicator"], sex=patient.sex, birth=patient.birth_date, on=on,
                                   value=Decimal(str(out[field["measure"]])))
        out[field["key"]] = result
    return out
