import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from intramuros.clinical import charts, selectors, services
from intramuros.clinical.timeline import entries


@pytest.mark.django_db
def test_the_record_contributes_to_the_timeline_newest_first(jeanne_martin, dr_alice, bob_secretary, consultation):
    services.antecedent_create(patient=jeanne_martin, actor=dr_alice, data={"category": "surgical",
                                                                            "label": "Appendicectomie"})
    services.treatment_add(patient=jeanne_martin, actor=dr_alice, drug="Amlodipine",
                           start=timezone.localdate() - datetime.timedelta(days=10))
    kinds = [e.kind for e in selectors.file_timeline(patient=jeanne_martin, user=dr_alice)]
    assert {"consultation", "antecedent", "treatment"} <= set(kinds)
    assert entries(patient=jeanne_martin, user=bob_secretary) == []


@pytest.mark.django_db
def test_the_timeline_page_filters_by_kind_and_period(alice_client, jeanne_martin, dr_alice, consultation):
    old = services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                       data={"at": timezone.now() - datetime.timedelta(days=400), "reason": "Ancienne"})
    services.antecedent_create(patient=jeanne_martin, actor=dr_alice, data={"category": "medical", "label": "HTA"})
    url = reverse("clinical:timeline", kwargs={"patient_id": jeanne_martin.pk})
    only = alice_client.get(url, {"kind": "consultation"}).context["entries"]
    assert {e.kind for e in only} == {"consultation"} and len(only) == 2
    since = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    recent = alice_client.get(url, {"kind": "consultation", "since": since}).context["entries"]
    assert [e.title for e in recent] == ["Céphalées"]
    assert old.reason not in alice_client.get(url, {"since": since}).content.decode()


@pytest.mark.django_db
def test_vitals_charts_are_server_side_svg(alice_client, jeanne_martin, dr_alice, consultation):
    services.consultation_create(patient=jeanne_martin, practitioner=dr_alice, actor=dr_alice,
                                 data={"at": timezone.now(), "weight_kg": Decimal("66"), "systolic_mmhg": 135,
                                       "diastolic_mmhg": 85})
    response = alice_client.get(reverse("clinical:charts", kwargs={"patient_id": jeanne_martin.pk}))
    titles = [c.title for c in response.context["vitals_charts"]]
    assert titles[:2] == [str(charts.VITAL_CHARTS[0][0]), str(charts.VITAL_CHARTS[1][0])]
    html = response.content.decode()
    assert html.count("<svg") >= 2 and "<script" not in html.split("<svg", 1)[1]


def test_chart_text_is_escaped():
    chart = charts.Chart(title="<b>x</b>", unit="kg", series=[charts.Series("<i>", [(1, 2.0), (2, 3.0)])])
    svg = str(charts.render(chart))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "<i>" not in svg
