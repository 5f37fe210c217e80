"""The dosage read back as a sentence, in French on paper and in English in the English UI."""

from decimal import Decimal

from intramuros.prescriptions.dosage import dosage_sentence, line_mentions


def test_moments_read_as_a_french_sentence():
    text = dosage_sentence(quantity=Decimal("1"), unit="tablet", moments=["morning", "noon", "evening"], duration=7,
                           duration_unit="days", language="fr")
    assert text == "1 comprimé le matin, le midi et le soir pendant 7 jours"


def test_frequency_and_plural_units_in_french():
    assert dosage_sentence(quantity=2, unit="capsule", frequency="day", frequency_count=3, duration=10,
                           duration_unit="days", language="fr") == "2 gélules 3 fois par jour pendant 10 jours"
    assert dosage_sentence(quantity=Decimal("0.5"), unit="tablet", moments=["bedtime"], duration=1,
                           duration_unit="months", language="fr") == "1/2 comprimé au coucher pendant 1 mois"


def test_same_dosage_reads_in_english():
    text = dosage_sentence(quantity=1, unit="tablet", moments=["morning", "evening"], duration=2, duration_unit="weeks",
                           language="en")
    assert text == "1 tablet in the morning and in the evening for 2 weeks"


def test_as_needed_with_instructions():
    text = dosage_sentence(quantity=1, unit="sachet", frequency="prn", frequency_count=3, instructions="Avec de l'eau",
                           language="fr")
    assert text == "1 sachet si besoin, au plus 3 fois par jour. Avec de l'eau"


def test_mentions_for_renewals_and_non_substitution():
    assert line_mentions(renewals=2, non_substitutable="MTE", language="fr") == [
        "À renouveler 2 fois", "Non substituable (MTE)"]
