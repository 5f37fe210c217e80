"""Figures for the statistics page, month by month over a period, and their SVG charts.

Consultations come from the clinical app and no-shows from the agenda when those apps provide them
(guarded imports: billing still works, and says so, without them).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from intramuros.billing import svg
from intramuros.billing.models import ZERO, Invoice, InvoiceKind, InvoiceLine, Payment, cents

TOP_CODES = 5


def months_back(end: datetime.date, count: int) -> list[datetime.date]:
    first = end.replace(day=1)
    months = []
    for _i in range(count):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _month_label(month: datetime.date) -> str:
    return formats.date_format(month, "M y")


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _per_month(rows, key: str) -> Counter:
    """Fold rows that carry a date or datetime under `key` into first-of-month buckets."""
    counts: Counter = Counter()
    for row in rows:
        value = row[key]
        if isinstance(value, datetime.datetime):
            value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
        counts[value.replace(day=1)] += row.get("n", 1)
    return counts


def _date_counts(qs, field: str) -> Counter:
    return _per_month(qs.values(field).annotate(n=Count("id")).order_by(), field)


@dataclass
class Chart:
    title: str
    svg: str
    note: str = ""


def acts_per_code(months, start, end, practitioner=None) -> Chart:
    lines = InvoiceLine.objects.filter(invoice__date__gte=start, invoice__date__lt=end,
                                       invoice__kind=InvoiceKind.INVOICE, invoice__cancelled=False)
    if practitioner:
        lines = lines.filter(invoice__practitioner=practitioner)
    rows = lines.values("code", "invoice__date").annotate(n=Sum("quantity")).order_by()
    per_code: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for row in rows:
        month = row["invoice__date"].replace(day=1)
        per_code[row["code"]][month] += row["n"]
        totals[row["code"]] += row["n"]
    top = [code for code, _n in totals.most_common(TOP_CODES)]
    series = [(code, [per_code[code][m] for m in months]) for code in top]
    others = [sum(per_code[c][m] for c in per_code if c not in top) for m in months]
    if any(others):
        series.append((_("other acts"), others))
    title = _("Acts billed per code and month")
    return Chart(title, svg.bar_chart(title=title, labels=[_month_label(m) for m in months], series=series or
                                      [(_("acts"), [0] * len(months))]))


def consultations_per_type(months, start, end, practitioner=None) -> Chart:
    """Consultations per month from the clinical app, split by appointment type from the agenda if known."""
    title = _("Consultations per type and month")
    labels = [_month_label(m) for m in months]
    try:
        from intramuros.agenda.models import Appointment, Status
    except ImportError:
        Appointment = None  # noqa: N806
    if Appointment is not None:
        qs = Appointment.objects.filter(start__gte=_aware(start), start__lt=_aware(end), status=Status.DONE)
        if practitioner:
            if _has_field(qs.model, "calendar__practitioner"):
                qs = qs.filter(calendar__practitioner=practitioner)
        rows = qs.values("type__name", "start").order_by()
        per_type: dict[str, Counter] = defaultdict(Counter)
        for row in rows:
            per_type[row["type__name"] or _("no type")][_month_of(row["start"])] += 1
        if per_type:
            series = [(name, [c[m] for m in months]) for name, c in sorted(per_type.items())]
            return Chart(title, svg.bar_chart(title=title, labels=labels, series=series),
                         _("Appointments seen (agenda), by appointment type."))
    try:
        from intramuros.clinical.models import Consultation
    except ImportError:
        return Chart(title, svg.bar_chart(title=title, labels=labels, series=[(_("consultations"),
                                                                             [0] * len(months))]),
                     _("The clinical app does not record consultations yet."))
    qs = Consultation.objects.filter(at__gte=_aware(start), at__lt=_aware(end))
    if practitioner:
        qs = qs.filter(practitioner=practitioner)
    counts = _date_counts(qs, "at")
    return Chart(title, svg.bar_chart(title=title, labels=labels,
                                      series=[(_("consultations"), [counts[m] for m in months])]),
                 _("Consultations recorded in patient files."))


def _has_field(model, path: str) -> bool:
    from django.core.exceptions import FieldDoesNotExist

    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        current = field.related_model or current
    return True


def _month_of(value: datetime.datetime) -> datetime.date:
    return timezone.localdate(value).replace(day=1)


def new_patients(months, start, end) -> Chart:
    from intramuros.patients.models import Patient

    counts = _date_counts(Patient.objects.filter(created_at__gte=_aware(start), created_at__lt=_aware(end)),
                          "created_at")
    title = _("New patients per month")
    return Chart(title, svg.bar_chart(title=title, labels=[_month_label(m) for m in months],
                                      series=[(_("new patients"), [counts[m] for m in months])]))


def no_show_rate(months, start, end) -> Chart:
    title = _("No-show rate per month")
    labels = [_month_label(m) for m in months]
    try:
        from intramuros.agenda.models import Appointment, Status
    except ImportError:
        return Chart(title, svg.line_chart(title=title, labels=labels, values=[None] * len(months), unit=" %",
                                           vmax=100), _("The agenda is not available."))
    rows = (Appointment.objects.filter(start__gte=_aware(start), start__lt=_aware(end),
                                       status__in=[Status.DONE, Status.NO_SHOW, Status.ARRIVED,
                                                   Status.IN_CONSULTATION])
            .values("status", "start").order_by())
    seen: Counter = Counter()
    missed: Counter = Counter()
    for row in rows:
        month = _month_of(row["start"])
        (missed if row["status"] == Status.NO_SHOW else seen)[month] += 1
    values = [None if not (seen[m] + missed[m]) else round(100 * missed[m] / (seen[m] + missed[m]), 1)
              for m in months]
    top = max([v for v in values if v is not None] + [10])
    return Chart(title, svg.line_chart(title=title, labels=labels, values=values, unit=" %",
                                       vmax=min(100, svg._nice_max(top))),
                 _("Patients who did not come, out of the appointments that were due."))


def income_per_month(months, start, end, practitioner=None) -> Chart:
    payments = Payment.objects.filter(day__gte=start, day__lt=end)
    invoices = Invoice.objects.filter(date__gte=start, date__lt=end)
    if practitioner:
        payments, invoices = payments.filter(practitioner=practitioner), invoices.filter(practitioner=practitioner)
    collected: dict = defaultdict(lambda: ZERO)
    for row in payments.values("day").annotate(s=Sum("amount")).order_by():
        collected[row["day"].replace(day=1)] += cents(row["s"])
    billed: dict = defaultdict(lambda: ZERO)
    for row in invoices.values("date", "kind").annotate(s=Sum("total")).order_by():
        sign = -1 if row["kind"] == InvoiceKind.CREDIT_NOTE else 1
        billed[row["date"].replace(day=1)] += sign * cents(row["s"])
    title = _("Income per month")
    return Chart(title, svg.bar_chart(title=title, labels=[_month_label(m) for m in months], unit=" €",
                                      stacked=False,
                                      series=[(_("billed"), [billed[m] for m in months]),
                                              (_("collected"), [collected[m] for m in months])]))


def statistics(*, end: datetime.date, months: int = 12, practitioner=None) -> list[Chart]:
    buckets = months_back(end, months)
    start = buckets[0]
    stop = (end.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)  # first day of the next month
    return [
        consultations_per_type(buckets, start, stop, practitioner),
        acts_per_code(buckets, start, stop, practitioner),
        new_patients(buckets, start, stop),
        no_show_rate(buckets, start, stop),
        income_per_month(buckets, start, stop, practitioner),
    ]
