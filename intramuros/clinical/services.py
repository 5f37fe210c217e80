"""Every write to the medical record goes through here: validated, atomic, audited, versioned."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intramuros import audit
from intramuros.accounts.access import has_capability
from intramuros.clinical import formschema, formvalues, icd10
from intramuros.clinical.models import (
    Allergy,
    Antecedent,
    Consultation,
    Diagnosis,
    FormDefinition,
    FormValue,
    FormVersion,
    Problem,
    RiskFactor,
    Treatment,
    Vaccination,
)

SHIPPED_FORMS = Path(__file__).resolve().parent / "forms"
RECORD_MODELS = {
    "antecedent": Antecedent, "allergy": Allergy, "treatment": Treatment, "problem": Problem,
    "vaccination": Vaccination, "riskfactor": RiskFactor,
}


def _kind_of(item) -> str:
    return type(item)._meta.model_name


def _save(item, *, actor, exclude=None) -> None:
    item.full_clean(exclude=exclude)
    item._history_user = actor  # who made this version, also outside a request (CLI, imports)
    item.save()


def _check_icd10(code: str, field: str = "icd10") -> str:
    code = (code or "").strip().upper()
    if code and not icd10.icd10_label(code):
        icd10.ensure_loaded()
        if not icd10.icd10_label(code):
            raise ValidationError({field: _("%(code)s is not an ICD-10 code: pick one from the search list.")
                                   % {"code": code}})
    return code


@transaction.atomic
def record_item_create(*, kind: str, patient, actor, data: dict):
    """Add an item (antecedent, allergy, treatment, problem, vaccination, risk factor) to the record."""
    model = RECORD_MODELS[kind]
    item = model(patient=patient, created_by=actor, **data)
    if hasattr(item, "icd10"):
        item.icd10 = _check_icd10(item.icd10)
    _save(item, actor=actor, exclude=["patient", "created_by"])
    audit.record(actor=actor, action=f"clinical.{kind}.created", target=item, patient=patient)
    return item


@transaction.atomic
def record_item_update(*, item, actor, data: dict):
    for name, value in data.items():
        setattr(item, name, value)
    if hasattr(item, "icd10"):
        item.icd10 = _check_icd10(item.icd10)
    _save(item, actor=actor, exclude=["patient", "created_by"])
    audit.record(actor=actor, action=f"clinical.{_kind_of(item)}.updated", target=item, patient=item.patient_id,
                 fields=sorted(data))
    return item


@transaction.atomic
def record_item_delete(*, item, actor) -> None:
    """Flag an item (or a consultation) as deleted: hidden, kept, restorable."""
    if item.is_deleted:
        return
    item._history_user = actor
    item.soft_delete(by=actor)
    audit.record(actor=actor, action=f"clinical.{_kind_of(item)}.deleted", target=item, patient=item.patient_id)


@transaction.atomic
def record_item_restore(*, item, actor) -> None:
    """Bring a deleted item back; only an administrator holding records.restore may."""
    if not has_capability(actor, "records.restore"):
        raise PermissionDenied
    if not item.is_deleted:
        return
    item._history_user = actor
    item.restore()
    audit.record(actor=actor, action=f"clinical.{_kind_of(item)}.restored", target=item, patient=item.patient_id)


def antecedent_create(*, patient, actor, data: dict) -> Antecedent:
    return record_item_create(kind="antecedent", patient=patient, actor=actor, data=data)


def allergy_create(*, patient, actor, data: dict) -> Allergy:
    return record_item_create(kind="allergy", patient=patient, actor=actor, data=data)


def problem_create(*, patient, actor, data: dict) -> Problem:
    return record_item_create(kind="problem", patient=patient, actor=actor, data=data)


def vaccination_create(*, patient, actor, data: dict) -> Vaccination:
    return record_item_create(kind="vaccination", patient=patient, actor=actor, data=data)


def riskfactor_create(*, patient, actor, data: dict) -> RiskFactor:
    return record_item_create(kind="riskfactor", patient=patient, actor=actor, data=data)


@transaction.atomic
def treatment_add(*, patient, actor, drug: str, dosage: str = "", kind: str = Treatment.Kind.CHRONIC,
                  start: datetime.date | None = None, end: datetime.date | None = None, prescriber=None,
                  source: str = "", source_ref: str = "", note: str = "") -> Treatment:
    """Add a line to the patient's current treatments and return it.

    Called by the record page and by other apps (a prescription adds its lines here):
    - `patient`: the Patient; `actor`: the user doing it (audited, and the author of the version);
    - `drug`: the drug as it should read in the list (name, strength, form); `dosage`: free text;
    - `kind`: "chronic" (long-term, stays until stopped) or "short_term" (give `end`);
    - `start` defaults to today; `end` must not precede `start`;
    - `prescriber`: a user (defaults to `actor` when the actor is a practitioner);
    - `source` / `source_ref`: where the line comes from, e.g. source="prescriptions", source_ref="<id>".
    Raises ValidationError naming the faulty field; nothing is saved then.
    """
    if prescriber is None and getattr(actor, "is_practitioner", False):
        prescriber = actor
    item = Treatment(patient=patient, created_by=actor, drug=drug, dosage=dosage, kind=kind,
                     start=start or timezone.localdate(), end=end, prescriber=prescriber, source=source,
                     source_ref=source_ref, note=note)
    _check_treatment_dates(item)
    _save(item, actor=actor, exclude=["patient", "created_by"])
    audit.record(actor=actor, action="clinical.treatment.created", target=item, patient=patient,
                 source=source or "record")
    return item


def _check_treatment_dates(item: Treatment) -> None:
    if item.end and item.start and item.end < item.start:
        raise ValidationError({"end": _("The end date is before the start date: correct one of them.")})


@transaction.atomic
def treatment_stop(*, treatment: Treatment, actor, on: datetime.date | None = None) -> Treatment:
    """End a treatment (kept in the record as a past treatment)."""
    treatment.end = on or timezone.localdate()
    if treatment.end < treatment.start:
        treatment.end = treatment.start
    _save(treatment, actor=actor, exclude=["patient", "created_by"])
    audit.record(actor=actor, action="clinical.treatment.stopped", target=treatment, patient=treatment.patient_id)
    return treatment


# Consultations --------------------------------------------------------------------------------------------

def _clean_diagnoses(codes) -> list[tuple[str, str]]:
    """Validate the ICD-10 codes of a consultation: [(code, label)] in the order given, no duplicate."""
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    if not codes:
        return []
    icd10.ensure_loaded()
    labels = icd10.icd10_labels(codes)
    unknown = [c for c in codes if c not in labels]
    if unknown:
        raise ValidationError({"diagnoses": _("Not ICD-10 codes: %(codes)s. Pick the diagnoses from the search "
                                              "list.") % {"codes": ", ".join(unknown)}})
    return [(c, labels[c]) for c in dict.fromkeys(codes)]


def _set_diagnoses(consultation, coded: list[tuple[str, str]], actor) -> None:
    current = {d.code: d for d in Diagnosis.all_objects.filter(consultation=consultation)}
    wanted = {code for code, _label in coded}
    for rank, (code, label) in enumerate(coded):
        diag = current.get(code)
        if diag is None:
            diag = Diagnosis(consultation=consultation, code=code, label=label, rank=rank)
        elif diag.rank == rank and not diag.is_deleted:
            continue
        diag.rank, diag.deleted_at, diag.deleted_by = rank, None, None
        diag._history_user = actor
        diag.save()
    for code, diag in current.items():
        if code not in wanted and not diag.is_deleted:
            diag._history_user = actor
            diag.soft_delete(by=actor)


def _set_form_values(consultation, values: dict, actor) -> None:
    """Store the typed values of the consultation's form (computed ones included), version attached."""
    version = consultation.form_version
    if version is None:
        return
    schema = version.schema
    values = formschema.compute_values(schema, values, patient=consultation.patient,
                                       on=timezone.localtime(consultation.at).date())
    existing = {v.key: v for v in FormValue.all_objects.filter(consultation=consultation)}
    for field in schema["fields"]:
        key, value = field["key"], values.get(field["key"])
        row = existing.get(key)
        if formvalues.is_empty(value):
            if row is not None and not row.is_deleted:
                row._history_user = actor
                row.soft_delete(by=actor)
            continue
        columns = formvalues.columns_for_value(field, value)
        if row is None:
            row = FormValue(consultation=consultation, patient_id=consultation.patient_id, version=version, key=key)
        elif not row.is_deleted and all(getattr(row, c) == v for c, v in columns.items()):
            continue
        for column, column_value in columns.items():
            setattr(row, column, column_value)
        row.version, row.deleted_at, row.deleted_by = version, None, None
        row._history_user = actor
        row.save()


@transaction.atomic
def consultation_create(*, patient, practitioner, actor, data: dict, diagnoses=(), form_version=None,
                        form_values: dict | None = None) -> Consultation:
    """Record a consultation: notes and vitals (`data`, Consultation field names), ICD-10 `diagnoses` codes,
    and the values of its form (`form_values`: field key -> typed value, entered with `form_version`)."""
    coded = _clean_diagnoses(diagnoses)
    consultation = Consultation(patient=patient, practitioner=practitioner, form_version=form_version, **data)
    _check_blood_pressure(consultation)
    _save(consultation, actor=actor, exclude=["patient", "practitioner", "form_version"])
    _set_diagnoses(consultation, coded, actor)
    _set_form_values(consultation, form_values or {}, actor)
    audit.record(actor=actor, action="clinical.consultation.created", target=consultation, patient=patient)
    return consultation


@transaction.atomic
def consultation_update(*, consultation: Consultation, actor, data: dict, diagnoses=(),
                        form_values: dict | None = None) -> Consultation:
    """Change a consultation; its form version never changes, so old values stay readable as entered."""
    coded = _clean_diagnoses(diagnoses)
    for name, value in data.items():
        setattr(consultation, name, value)
    _check_blood_pressure(consultation)
    _save(consultation, actor=actor, exclude=["patient", "practitioner", "form_version"])
    _set_diagnoses(consultation, coded, actor)
    if form_values is not None:
        _set_form_values(consultation, form_values, actor)
    audit.record(actor=actor, action="clinical.consultation.updated", target=consultation,
                 patient=consultation.patient_id)
    return consultation


def _check_blood_pressure(c: Consultation) -> None:
    if c.systolic_mmhg is not None and c.diastolic_mmhg is not None and c.diastolic_mmhg >= c.systolic_mmhg:
        raise ValidationError({"diastolic_mmhg": _("The diastolic pressure must be lower than the systolic "
                                                   "pressure: check both values.")})
    if (c.systolic_mmhg is None) != (c.diastolic_mmhg is None):
        missing = "diastolic_mmhg" if c.diastolic_mmhg is None else "systolic_mmhg"
        raise ValidationError({missing: _("Enter both the systolic and the diastolic pressure.")})


# Configurable forms ---------------------------------------------------------------------------------------

@transaction.atomic
def form_definition_save(*, source: str, actor, definition: FormDefinition | None = None) -> FormVersion:
    """Create a form, or a new version of `definition`, from YAML source; nothing is saved if it is invalid.

    An unchanged schema creates no version. Older versions stay: values are always read with theirs.
    """
    schema = formschema.parse_form(source)  # raises FormSchemaError naming the faulty field
    if definition is None:
        if FormDefinition.objects.filter(key=schema["key"]).exists():
            raise formschema.FormSchemaError(
                _("A form with the key “%(key)s” already exists: edit it, or choose another key.")
                % {"key": schema["key"]})
        definition = FormDefinition.objects.create(key=schema["key"], title=schema["title"],
                                                   title_fr=schema["title_fr"], specialty=schema["specialty"])
    elif schema["key"] != definition.key:
        raise formschema.FormSchemaError(
            _("The key of a form cannot change (it is “%(key)s”): values entered with it refer to it.")
            % {"key": definition.key})
    current = definition.current_version
    if current is not None and current.schema == schema:
        return current
    definition.title, definition.title_fr = schema["title"], schema["title_fr"]
    definition.specialty = schema["specialty"]
    definition._history_user = actor
    definition.save()
    version = FormVersion.objects.create(definition=definition, number=(current.number + 1) if current else 1,
                                         schema=schema, source=source, created_by=actor)
    audit.record(actor=actor, action="clinical.form.versioned", target=version, key=definition.key,
                 number=version.number)
    return version


def forms_sync_shipped(*, actor=None) -> list[FormVersion]:
    """Install the forms shipped with Intramuros that the practice does not have yet (never overwrites)."""
    known = set(FormDefinition.objects.values_list("key", flat=True))
    created = []
    for path in sorted(SHIPPED_FORMS.glob("*.yaml")):
        if path.stem in known:  # each shipped file is named after its key: no need to parse it again
            continue
        source = path.read_text(encoding="utf-8")
        key = formschema.parse_form(source)["key"]
        if key not in known:
            created.append(form_definition_save(source=source, actor=actor))
    return created
