import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from intramuros.audit.models import AuditEvent
from intramuros.billing import services
from intramuros.billing.models import Act, Invoice, Payment


def test_billing_pages_render_for_the_secretary(bob_client, issue, bob_secretary):
    invoice = issue("G")
    services.payment_record(actor=bob_secretary, invoice=invoice, amount="10", method="cash")
    today = timezone.localdate()
    for name, kwargs in [("billing:index", {}), ("billing:takings", {}), ("billing:unpaid", {}),
                         ("billing:summary_month", {"year": today.year, "month": today.month}),
                         ("billing:summary_year", {"year": today.year}), ("billing:export", {}),
                         ("billing:fees", {}), ("billing:statistics", {}),
                         ("billing:patient_account", {"patient_id": invoice.patient_id}),
                         ("billing:invoice_detail", {"pk": invoice.pk})]:
        response = bob_client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
    assert invoice.number in bob_client.get(reverse("billing:unpaid")).content.decode()


def test_patient_account_read_is_audited(alice_client, jeanne_martin, issue):
    issue("G")
    response = alice_client.get(reverse("billing:patient_account", kwargs={"patient_id": jeanne_martin.pk}))
    assert response.status_code == 200 and "ALB-000001" in response.content.decode()
    assert AuditEvent.objects.filter(action="patients.billing.viewed", patient_id=jeanne_martin.pk).exists()


def test_bill_and_pay_through_the_form(alice_client, jeanne_martin, fees, dr_alice):
    url = reverse("billing:invoice_new", kwargs={"patient_id": jeanne_martin.pk})
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(url, {"practitioner": dr_alice.pk, "date": timezone.localdate().isoformat(),
                                       "codes": "G+MEG", "third_party": "amo", "third_party_share": "24,50",
                                       "pay_method": "card", "pay_amount": "10,50"})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response.url == reverse("billing:invoice_detail", kwargs={"pk": invoice.pk})
    assert (invoice.total, invoice.patient_paid, invoice.settled) == (Decimal("35.00"), Decimal("10.50"), False)


def test_overpayment_through_the_form_shows_a_message_and_records_nothing(bob_client, issue):
    invoice = issue("G")
    response = bob_client.post(reverse("billing:payment_new", kwargs={"pk": invoice.pk}),
                               {"payer": "patient", "method": "cash", "amount": "45"}, follow=True)
    assert "larger than what is still due" in response.content.decode()
    assert not Payment.objects.exists()


def test_bad_invoice_form_input_keeps_the_form_and_says_why(alice_client, jeanne_martin, fees, dr_alice):
    response = alice_client.post(reverse("billing:invoice_new", kwargs={"patient_id": jeanne_martin.pk}),
                                 {"practitioner": dr_alice.pk, "date": timezone.localdate().isoformat(),
                                  "codes": "G+NOPE"})
    assert response.status_code == 200 and "NOPE" in response.content.decode()
    assert not Invoice.objects.exists()


def test_secretary_records_payments_but_cannot_edit_fees(bob_client, issue):
    invoice = issue("G")
    response = bob_client.post(reverse("billing:payment_new", kwargs={"pk": invoice.pk}),
                               {"payer": "patient", "method": "cash", "amount": "30"})
    assert response.status_code == 302 and Payment.objects.count() == 1
    g = Act.objects.get(practitioner=None, code="G")
    assert bob_client.get(reverse("billing:act_edit", kwargs={"pk": g.pk})).status_code == 403
    assert bob_client.post(reverse("billing:act_edit", kwargs={"pk": g.pk}),
                           {"code": "G", "label": "x", "kind": "ngap", "price": "1"}).status_code == 403
    assert bob_client.get(reverse("billing:fee_import")).status_code == 403
    assert bob_client.post(reverse("billing:day_reopen"), {}).status_code == 403
    g.refresh_from_db()
    assert g.price == Decimal("30.00")


def test_administrator_edits_fees_but_cannot_record_payments(client, admin_eve, issue):
    client.force_login(admin_eve)
    g = Act.objects.get(practitioner=None, code="G")
    response = client.post(reverse("billing:act_edit", kwargs={"pk": g.pk}),
                           {"code": "G", "label": "Consultation", "kind": "ngap", "price": "30,50", "active": "on"})
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.price == Decimal("30.50")
    invoice = issue("G")
    assert client.post(reverse("billing:payment_new", kwargs={"pk": invoice.pk}),
                       {"payer": "patient", "method": "cash", "amount": "1"}).status_code == 403


def test_fee_import_page_checks_then_applies(alice_client):
    csv_text = "code;label;price\nNEWA;Acte nouveau;12,00\nBAD;;x\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = alice_client.post(reverse("billing:fee_import"),
                                 {"file": SimpleUploadedFile("fees.csv", csv_text.encode()), "check": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and "3" in body and "label is empty" in body
    assert not Act.objects.filter(code="NEWA").exists()
    response = alice_client.post(reverse("billing:fee_import"), {"csv_text": csv_text, "apply": "1"})
    assert response.status_code == 200 and not Act.objects.filter(code="NEWA").exists()
    response = alice_client.post(reverse("billing:fee_import"), {"csv_text": csv_text, "apply": "1",
                                                                "skip_bad_rows": "on"})
    assert response.status_code == 302 and Act.objects.filter(code="NEWA").exists()


def test_close_day_through_the_page(bob_client, issue, bob_secretary, dr_alice):
    services.payment_record(actor=bob_secretary, invoice=issue("G"), amount="30", method="card")
    today = timezone.localdate().isoformat()
    response = bob_client.post(reverse("billing:day_close"), {"practitioner": dr_alice.pk, "day": today},
                               follow=True)
    assert "closed" in response.content.decode() or "clôtur" in response.content.decode()
    assert services.is_day_closed(practitioner=dr_alice, day=timezone.localdate())


def test_exports_open_in_a_spreadsheet(alice_client, issue, dr_alice):
    invoice = issue("G")
    services.payment_record(actor=dr_alice, invoice=invoice, amount="30", method="cheque", cheque_number="=1+1",
                            bank="CIC")
    services.invoice_cancel(actor=dr_alice, invoice=issue("G"), reason="erreur")
    today = timezone.localdate()
    period = {"start": (today - datetime.timedelta(days=30)).isoformat(), "end": today.isoformat()}
    response = alice_client.get(reverse("billing:export"), {**period, "what": "payments", "format": "xlsx"})
    assert response.status_code == 200
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == invoice.number and rows[1][-1] == 30
    assert rows[1][6] == "'=1+1"  # a formula typed into a field is not run by the spreadsheet
    response = alice_client.get(reverse("billing:export"), {**period, "what": "invoices", "format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]].count("Avoir") + [r[2] for r in rows[1:]].count("Credit note") == 1
    assert sum(r[4] for r in rows[1:]) == 30  # 30 + 30 - 30
    response = alice_client.get(reverse("billing:export"), {**period, "what": "payments", "format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert invoice.number in text and "30,00" in text
    assert AuditEvent.objects.filter(action="billing.export.downloaded").count() == 3


def test_export_refuses_an_inverted_period(alice_client):
    response = alice_client.get(reverse("billing:export"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_invoice_and_receipt_pdf(alice_client, issue, dr_alice):
    invoice = issue("G+MEG")
    payment = services.payment_record(actor=dr_alice, invoice=invoice, amount="35", method="card")
    response = alice_client.get(reverse("billing:invoice_pdf", kwargs={"pk": invoice.pk}))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    response = alice_client.get(reverse("billing:receipt_pdf", kwargs={"pk": payment.pk}))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="billing.invoice.printed", patient_id=invoice.patient_id).exists()


def test_cancel_through_the_page(alice_client, issue):
    invoice = issue("G")
    response = alice_client.post(reverse("billing:invoice_cancel", kwargs={"pk": invoice.pk}),
                                 {"reason": "Erreur de cotation"})
    credit = Invoice.objects.get(cancels=invoice)
    assert response.url == reverse("billing:invoice_detail", kwargs={"pk": credit.pk})


@pytest.mark.parametrize("name", ["billing:index", "billing:takings", "billing:unpaid", "billing:statistics"])
def test_pages_need_login(client, db, name):
    assert client.get(reverse(name)).status_code == 302


def test_bill_a_consultation_from_its_page(alice_client, jeanne_martin, paul_durand, fees, dr_alice):
    consultation_model = getattr(pytest.importorskip("intramuros.clinical.models"), "Consultation", None)
    if consultation_model is None:
        pytest.skip("the clinical app records no consultations yet")
    consultation = consultation_model.objects.create(patient=jeanne_martin, practitioner=dr_alice)
    url = reverse("billing:invoice_new", kwargs={"patient_id": jeanne_martin.pk})
    assert alice_client.get(url, {"consultation": consultation.pk}).status_code == 200
    other = reverse("billing:invoice_new", kwargs={"patient_id": paul_durand.pk})
    assert alice_client.get(other, {"consultation": consultation.pk}).status_code == 404
    alice_client.post(url, {"practitioner": dr_alice.pk, "date": timezone.localdate().isoformat(), "codes": "G",
                            "consultation": consultation.pk})
    assert Invoice.objects.get().source == consultation


def test_pages_render_in_french(bob_client, issue):
    invoice = issue("G")
    for url in [reverse("billing:index"), reverse("billing:takings"), reverse("billing:unpaid"),
                reverse("billing:invoice_detail", kwargs={"pk": invoice.pk}), reverse("billing:statistics"),
                reverse("billing:fees"), reverse("billing:summary_year", kwargs={"year": invoice.date.year})]:
        response = bob_client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200 and 'lang="fr"' in response.content.decode(), url
    assert "Recette du jour" in bob_client.get(reverse("billing:index"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
