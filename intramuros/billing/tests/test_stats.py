import datetime
import xml.etree.ElementTree as ET

from django.urls import reverse
from django.utils import timezone

from intramuros.billing import selectors, services, svg, totals
from intramuros.billing.models import DailyTotal
from intramuros.billing.timeline import entries


def test_bar_chart_is_valid_svg_and_escapes_labels():
    markup = svg.bar_chart(title="<script>", labels=["jan", "<b>"], series=[("G", [3, 4]), ("MEG&", [1, 0])])
    root = ET.fromstring(markup)
    assert root.tag.endswith("svg") and "<script>" not in markup and "&lt;b&gt;" in markup
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 3 + 2  # 3 bars + 2 legend keys


def test_line_chart_leaves_gaps_for_months_without_data():
    root = ET.fromstring(svg.line_chart(title="t", labels=["a", "b", "c"], values=[10, None, 20], unit=" %"))
    assert len(root.findall("{http://www.w3.org/2000/svg}circle")) == 2


def test_statistics_page_draws_svg_charts(alice_client, issue, dr_alice):
    services.payment_record(actor=dr_alice, invoice=issue("G+MEG"), amount="35", method="card")
    response = alice_client.get(reverse("billing:statistics"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<svg") == 5 and "<script" not in body.split("</head>")[1]
    for start in range(len(body)):
        start = body.find("<svg", start)
        if start < 0:
            break
        ET.fromstring(body[start:body.index("</svg>", start) + 6])


def test_summaries_add_up(issue, dr_alice, dr_charlie, bob_secretary):
    today = timezone.localdate()
    a = issue("G")
    services.payment_record(actor=bob_secretary, invoice=a, amount="30", method="card")
    b = issue("G+MEG", practitioner=dr_charlie)
    services.payment_record(actor=bob_secretary, invoice=b, amount="20", method="cash")
    services.invoice_cancel(actor=dr_alice, invoice=issue("G"), reason="doublon")
    month = selectors.summary_month(year=today.year, month=today.month)
    assert str(month.total.invoiced) == "95.00" and str(month.total.credited) == "30.00"
    assert str(month.total.net_invoiced) == "65.00" and str(month.total.collected) == "50.00"
    assert month.total.by_method["cash"] == month.total.by_method["cash"].quantize(month.total.collected)
    per = {str(p): t for p, t in month.per_practitioner}
    assert str(per[str(dr_charlie)].collected) == "20.00"
    year = selectors.summary_year(year=today.year)
    assert year.rows[0][0] == today.replace(day=1) and str(year.total.collected) == "50.00"
    alone = selectors.summary_year(year=today.year, practitioner=dr_alice)
    assert str(alone.total.collected) == "30.00"
    assert selectors.summary_year(year=today.year - 1).rows == []
    assert today - datetime.timedelta(days=1) not in dict(month.rows)
    # The running totals kept by the services equal a recount from the invoices and payments.
    kept = sorted(DailyTotal.objects.values_list("practitioner", "day", "key", "count", "amount"))
    totals.rebuild()
    assert sorted(DailyTotal.objects.values_list("practitioner", "day", "key", "count", "amount")) == kept
    assert {k for _p, _d, k, _n, _a in kept} == {"invoice", "credit", "card", "cash"}


def test_timeline_shows_payments_to_those_who_may_see_the_account(issue, dr_alice, jeanne_martin, bob_secretary):
    services.payment_record(actor=dr_alice, invoice=issue("G"), amount="30", method="card")
    kinds = {e.kind for e in entries(patient=jeanne_martin, user=bob_secretary)}
    assert kinds == {"payment", "invoice"}
    assert entries(patient=jeanne_martin, user=type("Anonymous", (), {"is_authenticated": False})()) == []
