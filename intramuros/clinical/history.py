"""The history of an item as the practitioner reads it: who changed what, when, from which value to which."""

from __future__ import annotations

from django.utils.translation import gettext as _

from intramuros.clinical.models import Consultation, Diagnosis, FormValue

HIDDEN = {"updated_at", "created_at", "search_text"}
TYPES = {"+": _("created"), "~": _("changed"), "-": _("removed")}


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field since removed from the model keeps its raw name
        return name


def _rows_for(queryset, model, prefix: str = "") -> list[dict]:
    records = list(queryset.select_related("history_user").order_by("history_date", "history_id"))
    rows, previous = [], {}
    for rec in records:
        before = previous.get(rec.id)
        changes = []
        if before is not None:
            for change in rec.diff_against(before).changes:
                if change.field in HIDDEN:
                    continue
                what = _("deleted") if change.field == "deleted_at" and change.new else (
                    _("restored") if change.field == "deleted_at" else None)
                if change.field == "deleted_by":
                    continue
                changes.append({"field": _label(model, change.field), "old": "" if what else change.old,
                                "new": what or change.new})
        action = TYPES.get(rec.history_type, rec.history_type)
        if before is None or changes:
            rows.append({"at": rec.history_date, "user": rec.history_user, "action": action,
                         "what": prefix.format(rec=rec), "changes": changes})
        previous[rec.id] = rec
    return rows


def history_rows(item) -> list[dict]:
    """Every version of `item`, newest first; a consultation's diagnoses and form values are included."""
    rows = _rows_for(type(item).history.filter(id=item.pk), type(item))
    if isinstance(item, Consultation):
        rows += _rows_for(Diagnosis.history.filter(consultation_id=item.pk), Diagnosis,
                          _("diagnosis") + " {rec.code}")
        rows += _rows_for(FormValue.history.filter(consultation_id=item.pk), FormValue, _("form") + " {rec.key}")
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows
