from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from intramuros.audit.models import AuditEvent
from intramuros.billing import services
from intramuros.billing.models import Act

GOOD = "code;label;price;kind\nG;Consultation;30,00;ngap\nXYZ1;Acte libre;12.5;free\nDEQP003;ECG;14.52;\n"
BAD = ("code;label;price;kind\n"
       "G;Consultation;31.00;ngap\n"
       "NEW;Nouvel acte;-3;ngap\n"
       ";Sans code;10;ngap\n"
       "AB2;Prix absurde;250000;ngap\n"
       "G;Doublon;30;ngap\n"
       "OK2;Bon acte;7,5;truc\n"
       "FINE;Acte correct;8.00;ngap\n")


def test_dry_run_reports_and_changes_nothing(dr_alice):
    before = Act.objects.count()
    report = services.fee_import(actor=dr_alice, text=GOOD)
    assert report.ok and not report.applied and [r.code for r in report.rows] == ["G", "XYZ1", "DEQP003"]
    assert report.rows[2].kind == "ccam" and report.rows[0].price == Decimal("30.00")
    assert Act.objects.count() == before


def test_apply_creates_and_updates(dr_alice):
    report = services.fee_import(actor=dr_alice, text=GOOD.replace("30,00", "31,00"), apply=True)
    assert report.applied and report.created == 1 and report.updated >= 1
    assert Act.objects.get(practitioner=None, code="G").price == Decimal("31.00")
    assert AuditEvent.objects.filter(action="billing.fees.imported").exists()


def test_bad_rows_are_reported_by_line_and_nothing_is_applied(dr_alice):
    before = {a.code: a.price for a in Act.objects.all()}
    report = services.fee_import(actor=dr_alice, text=BAD, apply=True)
    assert not report.applied
    lines = dict(report.errors)
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "negative" in lines[3] and "code" in lines[4] and "more than" in lines[5]
    assert "line 2" in lines[6] and "truc" in lines[7]
    assert {a.code: a.price for a in Act.objects.all()} == before


def test_skip_bad_rows_imports_the_good_ones(dr_alice):
    report = services.fee_import(actor=dr_alice, text=BAD, apply=True, skip_bad_rows=True)
    assert report.applied and Act.objects.filter(practitioner=None, code="FINE").exists()
    assert Act.objects.get(practitioner=None, code="G").price == Decimal("31.00")
    assert not Act.objects.filter(code__in=["NEW", "AB2", "OK2"]).exists()


@pytest.mark.parametrize("text, message", [("", "empty"), ("code;price\nG;30\n", "label"),
                                           ("code;label;price\n", "no act")])
def test_malformed_files_say_what_is_wrong(dr_alice, text, message):
    report = services.fee_import(actor=dr_alice, text=text, apply=True)
    assert not report.applied and message in report.errors[0][1]


def test_secretary_cannot_change_the_fee_schedule(bob_secretary):
    with pytest.raises(PermissionDenied):
        services.fee_import(actor=bob_secretary, text=GOOD, apply=True)
    with pytest.raises(PermissionDenied):
        services.act_save(actor=bob_secretary, code="G", label="x", kind="ngap", price="1", active=True,
                          practitioner=None)


def test_import_command_is_a_dry_run_unless_apply(db, tmp_path, capsys):
    path = tmp_path / "fees.csv"
    path.write_text(BAD, encoding="utf-8")
    call_command("billing_import_fees", str(path))
    assert not Act.objects.filter(code="FINE").exists()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("billing_import_fees", str(path), "--apply")
    call_command("billing_import_fees", str(path), "--apply", "--skip-bad-rows")
    assert Act.objects.filter(code="FINE").exists()
    assert "line 3" in capsys.readouterr().err


def test_shipped_schedule_is_loaded_and_editable(dr_alice):
    g = Act.objects.get(practitioner=None, code="G")
    assert g.price == Decimal("30.00")
    services.act_save(actor=dr_alice, act=g, price="31.50")
    g.refresh_from_db()
    assert g.price == Decimal("31.50")


def test_templates_check_their_codes(dr_alice):
    from django.core.exceptions import ValidationError

    template = services.invoice_template_save(actor=dr_alice, name="Enfant", codes="g + meg")
    assert template.codes == "G+MEG"
    with pytest.raises(ValidationError, match="NOPE"):
        services.invoice_template_save(actor=dr_alice, name="Faux", codes="G+NOPE")
