"""Demo medical records: antecedents, allergies, treatments, consultations with vitals, pregnancy follow-ups and
children's growth. Rows are bulk-created with their first history version, so the demo loads in seconds."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from intramuros.clinical import formschema, formvalues, growth, icd10, services
from intramuros.clinical.models import (
    Allergy,
    Antecedent,
    Consultation,
    Diagnosis,
    FormDefinition,
    FormValue,
    Problem,
    RiskFactor,
    Treatment,
    Vaccination,
)

CHRONIC = [  # antecedent label, ICD-10, treatment (drug, dosage) or None
    ("Hypertension artérielle", "I10", ("Amlodipine 5 mg, comprimé", "1 le matin")),
    ("Diabète de type 2", "E11.9", ("Metformine 1000 mg, comprimé", "1 matin et soir")),
    ("Asthme", "J45.9", ("Salbutamol 100 µg/dose, suspension pour inhalation", "2 bouffées si gêne")),
    ("Hypothyroïdie", "E03.9", ("Lévothyroxine 75 µg, comprimé", "1 le matin à jeun")),
    ("Dyslipidémie", "E78.5", ("Atorvastatine 20 mg, comprimé", "1 le soir")),
    ("Reflux gastro-œsophagien", "K21.9", ("Oméprazole 20 mg, gélule", "1 le matin")),
    ("Migraine", "G43.9", None),
    ("Épisode dépressif", "F32.9", ("Sertraline 50 mg, gélule", "1 le matin")),
    ("Gonarthrose", "M17.9", None),
    ("Fibrillation atriale", "I48", ("Apixaban 5 mg, comprimé", "1 matin et soir")),
]
SURGICAL = [("Appendicectomie", "K35.8"), ("Cholécystectomie", "K80.2"), ("Cure de hernie inguinale", "K40.9"),
            ("Ostéosynthèse de la cheville", "S82.6")]
FAMILY = [("Infarctus du myocarde", "I21.9", "père"), ("Cancer du sein", "C50.9", "mère"),
          ("Diabète de type 2", "E11.9", "mère"), ("Hypertension artérielle", "I10", "père")]
ALLERGIES = [("Pénicilline", "Urticaire généralisée", "moderate", "confirmed", "allergy"),
             ("Aspirine", "Bronchospasme", "severe", "likely", "allergy"),
             ("Arachide", "Œdème de Quincke", "life_threatening", "confirmed", "allergy"),
             ("Lactose", "Troubles digestifs", "mild", "likely", "intolerance"),
             ("Codéine", "Nausées, vomissements", "mild", "suspected", "intolerance")]
REASONS = [("Rhinopharyngite", "J06.9"), ("Lombalgie", "M54.5"), ("Bronchite aiguë", "J20.9"),
           ("Céphalées", "R51"), ("Gastro-entérite", "A09"), ("Infection urinaire", "N39.0"),
           ("Angine", "J02.9"), ("Bilan de santé", "Z00.0"), ("Renouvellement de traitement", "")]
CHILD_REASONS = [("Otite moyenne aiguë", "H66.9"), ("Rhinopharyngite", "J06.9"), ("Eczéma", "L20.9"),
                 ("Gastro-entérite", "A09"), ("Examen de santé", "Z00.1")]
VACCINES = ["DTCaP (Repevax)", "Grippe saisonnière (Vaxigrip Tetra)", "ROR (Priorix)", "Hépatite B (Engerix B20)",
            "Pneumocoque (Prevenar 20)", "COVID-19 (Comirnaty)"]


def _at(day: datetime.date, rng) -> datetime.datetime:
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(rng.randint(8, 18), rng.choice([0, 15, 30, 45])), tz)


def _age(patient, on: datetime.date) -> float:
    return (on - patient.birth_date).days / 365.25


def _adult_vitals(rng, patient, base: dict) -> dict:
    weight = base["weight"] + Decimal(str(round(rng.uniform(-2, 2), 1)))
    systolic = base["sys"] + rng.randint(-8, 8)
    return {"weight_kg": weight, "height_cm": base["height"], "systolic_mmhg": systolic,
            "diastolic_mmhg": min(systolic - 25, base["dia"] + rng.randint(-5, 5)),
            "heart_rate_bpm": rng.randint(58, 92), "temperature_c": Decimal(str(round(rng.uniform(36.3, 37.6), 1))),
            "spo2_pct": rng.randint(95, 100),
            "glycaemia_g_l": Decimal(str(round(rng.uniform(0.8, 1.3), 2))) if rng.random() < 0.3 else None}


def _child_vitals(rng, patient, on: datetime.date, z: float) -> dict:
    days = (on - patient.birth_date).days
    out = {"temperature_c": Decimal(str(round(rng.uniform(36.5, 38.5), 1)))}
    for column, indicator, places in (("weight_kg", "wfa", "0.01"), ("height_cm", "lhfa", "0.1"),
                                      ("head_circumference_cm", "hcfa", "0.1")):
        row = growth.lms(indicator, patient.sex, days)
        if row is not None:
            out[column] = Decimal(str(growth.value_at(row, z + rng.uniform(-0.3, 0.3)))).quantize(Decimal(places))
    return out


class _Builder:
    def __init__(self, ctx):
        self.ctx, self.rng = ctx, ctx.rng
        self.items: dict[type, list] = {m: [] for m in (Antecedent, Allergy, Treatment, Problem, Vaccination,
                                                        RiskFactor)}
        self.consultations: list[Consultation] = []
        self.diagnoses: list[tuple[int, str]] = []  # (consultation index, code)
        self.form_values: list[tuple[int, object, dict]] = []  # (consultation index, version, values)
        labels = icd10.icd10_labels([c for *_x, c, _t in CHRONIC] + [c for _r, c in REASONS + CHILD_REASONS if c])
        self.labels = labels
        self.versions = {d.key: d.current_version for d in FormDefinition.objects.all()}

    def practitioner(self, patient, specialty: str = ""):
        for user in self.ctx.practitioners:
            if specialty and user.specialty == specialty:
                return user
        return patient.referring_practitioner or self.rng.choice(self.ctx.practitioners)

    def add(self, model, patient, **fields):
        self.items[model].append(model(patient=patient, created_by=self.practitioner(patient), **fields))

    def consult(self, patient, practitioner, day, reason, code, vitals, version=None, values=None) -> None:
        index = len(self.consultations)
        self.consultations.append(Consultation(
            patient=patient, practitioner=practitioner, at=_at(day, self.rng), reason=reason, form_version=version,
            examination="Examen clinique sans particularité." if self.rng.random() < 0.6 else "",
            conclusion=(f"{reason}. Conseils donnés." if reason else ""), **vitals))
        if code:
            self.diagnoses.append((index, code))
        if version is not None:
            self.form_values.append((index, version, values or {}))

    def patient(self, patient) -> None:
        rng, today = self.rng, self.ctx.today
        age = _age(patient, today)
        if age >= 18:
            self.adult(patient, age)
        else:
            self.child(patient, age)
        if rng.random() < 0.15:
            substance, reaction, severity, certainty, kind = rng.choice(ALLERGIES)
            self.add(Allergy, patient, substance=substance, reaction=reaction, severity=severity,
                     certainty=certainty, kind=kind)
        for _i in range(rng.randint(0, 2)):
            self.add(Vaccination, patient, vaccine=rng.choice(VACCINES), dose=rng.choice(["", "rappel"]),
                     given_on=today - datetime.timedelta(days=rng.randint(30, 3000)),
                     batch=f"{rng.choice('ABCDEFGH')}{rng.randint(1000, 9999)}")

    def adult(self, patient, age: float) -> None:
        rng, today = self.rng, self.ctx.today
        chronic = rng.sample(CHRONIC, k=rng.choice([0, 0, 1, 1, 2, 3]) if age > 35 else rng.choice([0, 0, 1]))
        for label, code, treatment in chronic:
            self.add(Antecedent, patient, category="medical", label=label, icd10=code,
                     year=max(patient.birth_date.year + 18, today.year - rng.randint(1, 20)))
            self.add(Problem, patient, label=label, icd10=code, status="active")
            if treatment:
                self.add(Treatment, patient, drug=treatment[0], dosage=treatment[1], kind="chronic",
                         start=today - datetime.timedelta(days=rng.randint(60, 2000)), source="demo")
        if rng.random() < 0.25:
            label, code = rng.choice(SURGICAL)
            self.add(Antecedent, patient, category="surgical", label=label, icd10=code,
                     year=rng.randint(patient.birth_date.year + 5, today.year))
        if rng.random() < 0.35:
            label, code, relative = rng.choice(FAMILY)
            self.add(Antecedent, patient, category="family", label=label, icd10=code, relative=relative)
        if rng.random() < 0.25:
            self.add(Antecedent, patient, category="lifestyle", lifestyle="tobacco", label="Tabagisme actif",
                     pack_years=Decimal(rng.randint(2, 40)))
            self.add(RiskFactor, patient, label="Tabagisme")
        if rng.random() < 0.1:
            self.add(Antecedent, patient, category="lifestyle", lifestyle="alcohol", label="Consommation d'alcool",
                     alcohol_units_per_week=rng.randint(8, 30))
        if age < 67:
            self.add(Antecedent, patient, category="occupation", label=self.ctx.fake.job()[:300])
        if rng.random() < 0.2:
            self.add(Treatment, patient, drug="Paracétamol 1 g, comprimé", dosage="1 à 3 par jour si douleur",
                     kind="short_term", start=today - datetime.timedelta(days=rng.randint(0, 5)),
                     end=today + datetime.timedelta(days=rng.randint(3, 10)), source="demo")
        male = patient.sex == "M"
        height = Decimal(rng.randint(165, 190) if male else rng.randint(152, 176))
        base = {"height": height, "weight": Decimal(rng.randint(55, 105)), "sys": rng.randint(110, 150),
                "dia": rng.randint(65, 90)}
        pregnant = patient.sex == "F" and 20 <= age <= 40 and rng.random() < 0.12 and "pregnancy_followup" in \
            self.versions
        for _i in range(rng.randint(2, 8)):
            day = today - datetime.timedelta(days=rng.randint(0, 3 * 365))
            reason, code = rng.choice(REASONS)
            version = self.versions.get("adult_checkup") if code == "Z00.0" else None
            vitals = _adult_vitals(rng, patient, base)
            values = {"weight": float(vitals["weight_kg"]), "height": float(height),
                      "smoking": rng.choice(["never", "former", "current"]),
                      "vaccines_up_to_date": rng.random() < 0.8} if version else None
            self.consult(patient, self.practitioner(patient), day, reason, code, vitals, version, values)
        if pregnant:
            lmp = today - datetime.timedelta(days=rng.randint(60, 250))
            for weeks in range(8, (today - lmp).days // 7 + 1, 4):
                day = lmp + datetime.timedelta(weeks=weeks)
                vitals = _adult_vitals(rng, patient, base)
                values = {"lmp": lmp, "gravidity": 1, "parity": 0, "fetal_movements": weeks >= 20,
                          "fundal_height": float(max(5, weeks - 4)) if weeks >= 16 else None,
                          "fetal_heart_rate": float(rng.randint(120, 160)) if weeks >= 12 else None,
                          "urine_protein": "neg"}
                self.consult(patient, self.practitioner(patient, "Gynécologie-obstétrique"), day,
                             "Suivi de grossesse", "Z34.9", vitals, self.versions["pregnancy_followup"], values)

    def child(self, patient, age: float) -> None:
        rng = self.rng
        z = rng.gauss(0, 0.9)
        version = self.versions.get("paediatric_growth")
        ages = sorted({rng.randint(0, int(age * 365.25)) for _i in range(rng.randint(2, 8))}) or [0]
        for days in ages:
            day = patient.birth_date + datetime.timedelta(days=days)
            if days < 6 * 365 and version is not None:
                vitals = _child_vitals(rng, patient, day, z)
                values = {"weight": vitals.get("weight_kg"), "height": vitals.get("height_cm"),
                          "head_circumference": vitals.get("head_circumference_cm")}
                values = {k: float(v) for k, v in values.items() if v is not None}
                self.consult(patient, self.practitioner(patient, "Pédiatrie"), day, "Suivi de croissance",
                             "Z00.1", {"temperature_c": vitals["temperature_c"]}, version, values)
            else:
                reason, code = rng.choice(CHILD_REASONS)
                self.consult(patient, self.practitioner(patient, "Pédiatrie"), day, reason, code,
                             {"temperature_c": Decimal(str(round(rng.uniform(36.5, 39), 1)))})
        if rng.random() < 0.2:
            self.add(Antecedent, patient, category="medical", label="Asthme du nourrisson", icd10="J45.9")

    def save(self) -> None:
        user = self.ctx.users.get("alice")
        for model, items in self.items.items():
            bulk_create_with_history(items, model, batch_size=500, default_user=user)
        created = bulk_create_with_history(self.consultations, Consultation, batch_size=500, default_user=user)
        diagnoses = [Diagnosis(consultation=created[i], code=code, label=self.labels.get(code, code))
                     for i, code in self.diagnoses]
        bulk_create_with_history(diagnoses, Diagnosis, batch_size=500, default_user=user)
        rows = []
        for i, version, values in self.form_values:
            consultation = created[i]
            typed = formschema.compute_values(version.schema, values, patient=consultation.patient,
                                              on=timezone.localtime(consultation.at).date())
            for field in version.schema["fields"]:
                value = typed.get(field["key"])
                if not formvalues.is_empty(value):
                    rows.append(FormValue(consultation=consultation, patient_id=consultation.patient_id,
                                          version=version, key=field["key"],
                                          **formvalues.columns_for_value(field, value)))
        bulk_create_with_history(rows, FormValue, batch_size=500, default_user=user)


def populate(ctx) -> None:
    icd10.ensure_loaded()
    services.forms_sync_shipped()
    builder = _Builder(ctx)
    for patient in ctx.patients:
        builder.patient(patient)
    builder.save()
