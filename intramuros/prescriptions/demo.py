"""Demo data: a small catalogue of common drugs (built in code, CIS codes made up), the interaction
thesaurus, favourites, and a few prescriptions per demo practitioner."""

from __future__ import annotations

from intramuros.prescriptions import importer
from intramuros.prescriptions.models import Drug
from intramuros.prescriptions.thesaurus import load_thesaurus

# name, form, [(substance, dosage)], holder, generic (0 princeps / 1 generic / None)
CATALOGUE = [
    ("DOLIPRANE 1000 mg, comprimé", "comprimé", [("PARACÉTAMOL", "1000 mg")], "OPELLA HEALTHCARE", 0),
    ("DOLIPRANE 500 mg, gélule", "gélule", [("PARACÉTAMOL", "500 mg")], "OPELLA HEALTHCARE", 0),
    ("DAFALGAN 1 g, comprimé pelliculé", "comprimé pelliculé", [("PARACÉTAMOL", "1 g")], "UPSA", None),
    ("EFFERALGAN 500 mg, comprimé effervescent", "comprimé effervescent", [("PARACÉTAMOL", "500 mg")], "UPSA", None),
    ("PARACÉTAMOL BIOGARAN 1000 mg, comprimé", "comprimé", [("PARACÉTAMOL", "1000 mg")], "BIOGARAN", 1),
    ("CLAMOXYL 500 mg, gélule", "gélule", [("AMOXICILLINE", "500 mg")], "GLAXOSMITHKLINE", 0),
    ("AMOXICILLINE BIOGARAN 1 g, comprimé dispersible", "comprimé dispersible", [("AMOXICILLINE", "1 g")],
     "BIOGARAN", 1),
    ("AUGMENTIN 1 g/125 mg, poudre pour suspension buvable en sachet-dose", "poudre pour suspension buvable",
     [("AMOXICILLINE", "1 g"), ("ACIDE CLAVULANIQUE", "125 mg")], "GLAXOSMITHKLINE", 0),
    ("ADVIL 200 mg, comprimé enrobé", "comprimé enrobé", [("IBUPROFÈNE", "200 mg")], "HALEON", None),
    ("IBUPROFÈNE MYLAN 400 mg, comprimé pelliculé", "comprimé pelliculé", [("IBUPROFÈNE", "400 mg")], "VIATRIS", 1),
    ("NUROFEN 400 mg, comprimé enrobé", "comprimé enrobé", [("IBUPROFÈNE", "400 mg")], "RECKITT", None),
    ("KÉTOPROFÈNE SANDOZ 100 mg, comprimé sécable", "comprimé sécable", [("KÉTOPROFÈNE", "100 mg")], "SANDOZ", 1),
    ("VOLTARÈNE 50 mg, comprimé gastro-résistant", "comprimé gastro-résistant", [("DICLOFÉNAC SODIQUE", "50 mg")],
     "NOVARTIS", 0),
    ("GLUCOPHAGE 1000 mg, comprimé pelliculé", "comprimé pelliculé", [("METFORMINE", "1000 mg")], "MERCK", 0),
    ("METFORMINE BIOGARAN 850 mg, comprimé pelliculé", "comprimé pelliculé", [("METFORMINE", "850 mg")],
     "BIOGARAN", 1),
    ("DIAMICRON 60 mg, comprimé sécable à libération modifiée", "comprimé", [("GLICLAZIDE", "60 mg")], "SERVIER", 0),
    ("TRIATEC 5 mg, comprimé sécable", "comprimé sécable", [("RAMIPRIL", "5 mg")], "SANOFI", 0),
    ("RAMIPRIL ARROW 10 mg, gélule", "gélule", [("RAMIPRIL", "10 mg")], "ARROW", 1),
    ("COVERSYL 5 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("PÉRINDOPRIL ARGININE", "5 mg")],
     "SERVIER", 0),
    ("AMLOR 5 mg, gélule", "gélule", [("AMLODIPINE", "5 mg")], "VIATRIS", 0),
    ("COZAAR 50 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("LOSARTAN POTASSIQUE", "50 mg")],
     "ORGANON", 0),
    ("ESIDREX 25 mg, comprimé sécable", "comprimé sécable", [("HYDROCHLOROTHIAZIDE", "25 mg")], "NOVARTIS", None),
    ("LASILIX 40 mg, comprimé sécable", "comprimé sécable", [("FUROSÉMIDE", "40 mg")], "SANOFI", 0),
    ("BISOPROLOL BIOGARAN 5 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("BISOPROLOL", "5 mg")],
     "BIOGARAN", 1),
    ("TAHOR 20 mg, comprimé pelliculé", "comprimé pelliculé", [("ATORVASTATINE", "20 mg")], "VIATRIS", 0),
    ("ATORVASTATINE TEVA 40 mg, comprimé pelliculé", "comprimé pelliculé", [("ATORVASTATINE", "40 mg")], "TEVA", 1),
    ("CRESTOR 10 mg, comprimé pelliculé", "comprimé pelliculé", [("ROSUVASTATINE", "10 mg")], "ASTRAZENECA", 0),
    ("LÉVOTHYROX 75 microgrammes, comprimé sécable", "comprimé sécable", [("LÉVOTHYROXINE SODIQUE", "75 µg")],
     "MERCK", None),
    ("LÉVOTHYROX 100 microgrammes, comprimé sécable", "comprimé sécable", [("LÉVOTHYROXINE SODIQUE", "100 µg")],
     "MERCK", None),
    ("COUMADINE 5 mg, comprimé sécable", "comprimé sécable", [("WARFARINE", "5 mg")], "BRISTOL-MYERS SQUIBB", None),
    ("PRÉVISCAN 20 mg, comprimé quadrisécable", "comprimé quadrisécable", [("FLUINDIONE", "20 mg")],
     "CHEPLAPHARM", None),
    ("ELIQUIS 5 mg, comprimé pelliculé", "comprimé pelliculé", [("APIXABAN", "5 mg")], "BRISTOL-MYERS SQUIBB", None),
    ("XARELTO 20 mg, comprimé pelliculé", "comprimé pelliculé", [("RIVAROXABAN", "20 mg")], "BAYER", None),
    ("KARDÉGIC 75 mg, poudre pour solution buvable en sachet-dose", "poudre pour solution buvable",
     [("ACIDE ACÉTYLSALICYLIQUE", "75 mg")], "SANOFI", None),
    ("PLAVIX 75 mg, comprimé pelliculé", "comprimé pelliculé", [("CLOPIDOGREL", "75 mg")], "SANOFI", 0),
    ("INEXIUM 20 mg, comprimé gastro-résistant", "comprimé gastro-résistant", [("ÉSOMÉPRAZOLE", "20 mg")],
     "ATOS", 0),
    ("MOPRAL 20 mg, gélule gastro-résistante", "gélule gastro-résistante", [("OMÉPRAZOLE", "20 mg")],
     "ASTRAZENECA", 0),
    ("PANTOPRAZOLE SANDOZ 40 mg, comprimé gastro-résistant", "comprimé gastro-résistant",
     [("PANTOPRAZOLE", "40 mg")], "SANDOZ", 1),
    ("SPASFON 80 mg, comprimé orodispersible", "comprimé orodispersible", [("PHLOROGLUCINOL", "80 mg")], "TEVA",
     None),
    ("SMECTA 3 g, poudre pour suspension buvable en sachet", "poudre pour suspension buvable",
     [("DIOSMECTITE", "3 g")], "IPSEN", None),
    ("VOGALÈNE 10 mg, gélule", "gélule", [("MÉTOPIMAZINE", "10 mg")], "TEVA", None),
    ("DÉBRIDAT 100 mg, comprimé pelliculé", "comprimé pelliculé", [("TRIMÉBUTINE", "100 mg")], "PFIZER", 0),
    ("VENTOLINE 100 microgrammes/dose, suspension pour inhalation", "suspension pour inhalation",
     [("SALBUTAMOL", "100 µg")], "GLAXOSMITHKLINE", None),
    ("SERETIDE 250/50 microgrammes, poudre pour inhalation", "poudre pour inhalation",
     [("FLUTICASONE", "250 µg"), ("SALMÉTÉROL", "50 µg")], "GLAXOSMITHKLINE", None),
    ("AERIUS 5 mg, comprimé pelliculé", "comprimé pelliculé", [("DESLORATADINE", "5 mg")], "ORGANON", 0),
    ("CÉTIRIZINE BIOGARAN 10 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("CÉTIRIZINE", "10 mg")],
     "BIOGARAN", 1),
    ("CÉLESTÈNE 0,05 %, solution buvable en gouttes", "solution buvable", [("BÉTAMÉTHASONE", "0,05 %")],
     "MSD", None),
    ("SOLUPRED 20 mg, comprimé orodispersible", "comprimé orodispersible", [("PREDNISOLONE", "20 mg")], "SANOFI", 0),
    ("CORTANCYL 20 mg, comprimé sécable", "comprimé sécable", [("PREDNISONE", "20 mg")], "SANOFI", 0),
    ("DEROXAT 20 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("PAROXÉTINE", "20 mg")],
     "GLAXOSMITHKLINE", 0),
    ("SERTRALINE ARROW 50 mg, gélule", "gélule", [("SERTRALINE", "50 mg")], "ARROW", 1),
    ("SEROPLEX 10 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("ESCITALOPRAM", "10 mg")], "LUNDBECK", 0),
    ("XANAX 0,25 mg, comprimé sécable", "comprimé sécable", [("ALPRAZOLAM", "0,25 mg")], "VIATRIS", 0),
    ("STILNOX 10 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("ZOLPIDEM", "10 mg")], "SANOFI", 0),
    ("TRAMADOL ARROW 50 mg, gélule", "gélule", [("TRAMADOL", "50 mg")], "ARROW", 1),
    ("IZALGI 500 mg/25 mg, gélule", "gélule", [("PARACÉTAMOL", "500 mg"), ("OPIUM", "25 mg")], "SANOFI", None),
    ("ZITHROMAX 250 mg, comprimé pelliculé", "comprimé pelliculé", [("AZITHROMYCINE", "250 mg")], "PFIZER", 0),
    ("CLARITHROMYCINE SANDOZ 500 mg, comprimé pelliculé", "comprimé pelliculé", [("CLARITHROMYCINE", "500 mg")],
     "SANDOZ", 1),
    ("OFLOCET 200 mg, comprimé pelliculé sécable", "comprimé pelliculé", [("OFLOXACINE", "200 mg")], "SANOFI", 0),
    ("MONURIL 3 g, granulés pour solution buvable en sachet", "granulés", [("FOSFOMYCINE TROMÉTAMOL", "3 g")],
     "ZAMBON", None),
    ("TARDYFERON 80 mg, comprimé pelliculé", "comprimé pelliculé", [("SULFATE FERREUX", "80 mg")], "PIERRE FABRE",
     None),
    ("UVEDOSE 100 000 UI, solution buvable en ampoule", "solution buvable", [("COLÉCALCIFÉROL", "100 000 UI")],
     "CRINEX", None),
    ("ROACCUTANE 20 mg, capsule molle", "capsule molle", [("ISOTRÉTINOÏNE", "20 mg")], "ROCHE", None),
    ("DÉPAKINE CHRONO 500 mg, comprimé pelliculé sécable à libération prolongée", "comprimé",
     [("VALPROATE DE SODIUM", "333 mg"), ("ACIDE VALPROÏQUE", "145 mg")], "SANOFI", None),
]

FAVOURITES = [
    ("Angine / rhinopharyngite", [
        {"drug": "DOLIPRANE 1000 mg, comprimé", "quantity": "1", "unit": "tablet", "frequency": "prn",
         "frequency_count": 3, "duration": 5, "duration_unit": "days"}]),
    ("Bilan lipidique et glycémie", [
        {"kind": "lab", "label": "Glycémie à jeun, HbA1c, bilan lipidique (CT, HDL, LDL, TG), créatininémie"}]),
]


def load_catalogue() -> int:
    parsed = importer._Parsed()
    codes: dict[str, str] = {}
    groups: dict[str, str] = {}
    for i, (name, form, substances, holder, generic) in enumerate(CATALOGUE):
        cis = f"{69000001 + i}"
        parsed.drugs[cis] = dict(name=name, form=form, routes="orale", authorisation_status="Autorisation active",
                                 procedure="Procédure nationale", marketing_status="Commercialisée",
                                 authorisation_date=None, bdm_status="", eu_number="", holders=holder,
                                 reinforced_monitoring=False)
        cip13 = f"34009{90000001 + i:08d}"
        parsed.presentations[cip13] = dict(cis=cis, cip13=cip13, cip7=f"{9000001 + i}",
                                           label=f"plaquette(s) de 30 {form.split()[0]}(s)", status="Présentation active",
                                           marketing_status="Déclaration de commercialisation", marketing_date=None,
                                           collectivities="oui", reimbursement_rates="65%", price=None,
                                           reimbursement_text="")
        for substance, dosage in substances:
            code = codes.setdefault(substance, f"9{len(codes) + 1:04d}")
            parsed.substances.setdefault(code, substance)
            parsed.compositions.append(dict(cis=cis, code=code, element=form.split()[0], dosage=dosage,
                                            dosage_reference="", nature="SA", link="1"))
        if generic is not None:
            first = substances[0][0]
            group_id = groups.setdefault(first, str(900 + len(groups)))
            parsed.groups.setdefault(group_id, f"{first} - {name}")
            parsed.membership[cis] = (group_id, generic)
    importer._write(parsed, source="demo", progress=False)
    return len(parsed.drugs)


def populate(ctx) -> None:
    from intramuros.prescriptions.models import PrescriptionTemplate
    from intramuros.prescriptions.services import SafetyCheckRequired, prescription_issue

    load_catalogue()
    load_thesaurus()
    by_name = {d.name: d for d in Drug.objects.all()}
    for practitioner in ctx.practitioners:
        for name, items in FAVOURITES:
            stored = [dict(i, drug=by_name[i["drug"]].pk, label=i["drug"]) if "drug" in i else i for i in items]
            PrescriptionTemplate.objects.create(name=name, owner=practitioner, items=stored)
    common = [by_name[n] for n in ("DOLIPRANE 1000 mg, comprimé", "CLAMOXYL 500 mg, gélule",
                                   "IBUPROFÈNE MYLAN 400 mg, comprimé pelliculé", "SPASFON 80 mg, comprimé orodispersible",
                                   "AERIUS 5 mg, comprimé pelliculé", "VENTOLINE 100 microgrammes/dose, suspension "
                                   "pour inhalation")]
    chronic = [by_name[n] for n in ("GLUCOPHAGE 1000 mg, comprimé pelliculé", "TRIATEC 5 mg, comprimé sécable",
                                    "TAHOR 20 mg, comprimé pelliculé", "LÉVOTHYROX 75 microgrammes, comprimé sécable")]
    patients = [p for p in ctx.patients if p.referring_practitioner_id]
    for practitioner in ctx.practitioners:
        own = [p for p in patients if p.referring_practitioner_id == practitioner.pk][:4]
        for n, patient in enumerate(own):
            ald = n == 0
            drugs = ctx.rng.sample(chronic, 2) if ald else ctx.rng.sample(common, 2)
            items = [{"drug": d.pk, "quantity": "1", "unit": "tablet" if "comprimé" in d.name else "capsule",
                      "moments": ["morning"] if ald else ["morning", "evening"],
                      "duration": 3 if ald else 7, "duration_unit": "months" if ald else "days",
                      "renewals": 2 if ald else 0, "ald": ald} for d in drugs]
            if ald:
                items.append({"drug": common[0].pk, "quantity": "1", "unit": "tablet", "frequency": "prn",
                              "frequency_count": 3, "duration": 5, "duration_unit": "days"})
            kwargs = dict(patient=patient, prescriber=practitioner, items=items, layout="ald" if ald else "standard")
            try:
                prescription_issue(**kwargs)
            except SafetyCheckRequired:
                prescription_issue(**kwargs, override_reason="Bénéfice attendu supérieur au risque (démo).")
