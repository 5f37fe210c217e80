"""Forms of the agenda. Times are typed as a date and a wall-clock time, checked against DST gaps."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intramuros.accounts.models import Role, User
from intramuros.agenda import recurrence
from intramuros.agenda.models import (
    AgendaSettings,
    AppointmentType,
    Calendar,
    CalendarKind,
    FeedPrivacy,
    OpeningHours,
    UnavailabilityKind,
)
from intramuros.agenda.selectors import practitioner_calendars, resource_calendars
from intramuros.agenda.timeutil import make_local

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


class ChosenElsewhere(forms.HiddenInput):
    """A value set by other inputs of the page (the patient search's radio buttons): rendered by them."""

    def render(self, *args, **kwargs):
        return ""


SCOPES = [("this", _("This appointment only")), ("following", _("This one and the following ones"))]
REPEATS = [("", _("Does not repeat")), ("daily", _("Every day")), ("weekly", _("Every week")),
           ("monthly", _("Every month"))]


def _aware(form, date_field: str, time_field: str):
    day, time = form.cleaned_data.get(date_field), form.cleaned_data.get(time_field)
    if day is None or time is None:
        return None
    try:
        return make_local(datetime.datetime.combine(day, time))
    except ValidationError as exc:
        form.add_error(time_field, exc)
        return None


class RepeatMixin(forms.Form):
    """The simple repeat fields, or a raw RFC 5545 rule for the rest."""

    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEATS, required=False)
    interval = forms.IntegerField(label=_("every (1 = every week/day/month, 2 = every other...)"), min_value=1,
                                  max_value=52, required=False, initial=1)
    count = forms.IntegerField(label=_("number of times"), min_value=1, max_value=recurrence.MAX_OCCURRENCES,
                               required=False)
    until = forms.DateField(label=_("or until"), widget=DATE, required=False)
    rule = forms.CharField(label=_("or an RFC 5545 rule"), max_length=300, required=False,
                           help_text=_("For example FREQ=WEEKLY;BYDAY=TU;COUNT=10 (every Tuesday, 10 times)."))

    def rule_text(self) -> str:
        data = self.cleaned_data
        if data.get("rule"):
            return data["rule"].strip()
        if not data.get("repeat"):
            return ""
        if not data.get("count") and not data.get("until"):
            raise ValidationError(_("Say how many times it repeats, or until which date."))
        return recurrence.build_rule(freq=data["repeat"], interval=data.get("interval") or 1,
                                     count=data.get("count"), until=data.get("until"))


class AppointmentForm(RepeatMixin):
    calendar = forms.ModelChoiceField(label=_("Practitioner"), queryset=Calendar.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    type = forms.ModelChoiceField(label=_("Type"), queryset=AppointmentType.objects.filter(active=True),
                                  required=False)
    duration = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=600, required=False,
                                  help_text=_("Leave empty for the type's duration."))
    resource = forms.ModelChoiceField(label=_("Room or equipment"), queryset=Calendar.objects.none(),
                                      required=False)
    patient = forms.IntegerField(widget=ChosenElsewhere, required=False)
    new_name = forms.CharField(label=_("New patient: surname and first name"), max_length=250, required=False,
                               help_text=_("Only if the patient is not found, e.g. DUPONT Marie."))
    new_birth_date = forms.DateField(label=_("New patient: birth date"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    force = forms.BooleanField(label=_("Book anyway, despite the conflicts shown"), required=False)

    field_order = ["calendar", "date", "time", "type", "duration", "resource", "new_name", "new_birth_date", "note",
                   "repeat", "interval", "count", "until", "rule", "force"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = practitioner_calendars()
        self.fields["resource"].queryset = resource_calendars()

    def clean(self):
        data = super().clean()
        data["start"] = _aware(self, "date", "time")
        if not data.get("patient") and not data.get("new_name"):
            raise ValidationError(_("Choose a patient from the search, or give a new patient's name and birth date."))
        if data.get("new_name") and not data.get("patient") and not data.get("new_birth_date"):
            self.add_error("new_birth_date", _("Give the new patient's birth date."))
        try:
            data["rule_text"] = self.rule_text()
        except ValidationError as exc:
            self.add_error("repeat", exc)
        return data


class MoveForm(forms.Form):
    calendar = forms.ModelChoiceField(label=_("Practitioner"), queryset=Calendar.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    duration = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=600)
    scope = forms.ChoiceField(label=_("Apply to"), choices=SCOPES, initial="this", widget=forms.RadioSelect)
    force = forms.BooleanField(label=_("Move anyway, despite the conflicts shown"), required=False)

    def __init__(self, *args, series: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = practitioner_calendars()
        if not series:
            self.fields["scope"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        data["start"] = _aware(self, "date", "time")
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    scope = forms.ChoiceField(label=_("Apply to"), choices=SCOPES, initial="this", widget=forms.RadioSelect)

    def __init__(self, *args, series: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not series:
            self.fields["scope"].widget = forms.HiddenInput()


class UnavailabilityForm(RepeatMixin):
    calendar = forms.ModelChoiceField(label=_("Calendar"), queryset=Calendar.objects.filter(active=True),
                                      required=False, empty_label=_("The whole practice"))
    kind = forms.ChoiceField(label=_("Kind"), choices=UnavailabilityKind.choices)
    start_date = forms.DateField(label=_("From (date)"), widget=DATE)
    start_time = forms.TimeField(label=_("From (time)"), widget=TIME, initial=datetime.time(0, 0))
    end_date = forms.DateField(label=_("To (date)"), widget=DATE)
    end_time = forms.TimeField(label=_("To (time)"), widget=TIME, initial=datetime.time(23, 59))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    field_order = ["calendar", "kind", "start_date", "start_time", "end_date", "end_time", "reason", "repeat",
                   "interval", "count", "until", "rule"]

    def clean(self):
        data = super().clean()
        data["start"] = _aware(self, "start_date", "start_time")
        data["end"] = _aware(self, "end_date", "end_time")
        if data["start"] and data["end"] and data["end"] <= data["start"]:
            self.add_error("end_date", _("The end must come after the start."))
        try:
            data["rule_text"] = self.rule_text()
        except ValidationError as exc:
            self.add_error("repeat", exc)
        return data


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = ["name", "duration_minutes", "colour", "practitioners", "bookable_online", "active"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"}),
                   "practitioners": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioners"].queryset = User.objects.filter(
            role__in=[Role.PRACTITIONER, Role.REPLACEMENT], is_active=True)
        self.fields["practitioners"].help_text = _("None ticked: offered by everyone.")


class ResourceCalendarForm(forms.ModelForm):
    class Meta:
        model = Calendar
        fields = ["name", "kind", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in CalendarKind.choices if c[0] != CalendarKind.PRACTITIONER]


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "start", "end"]
        widgets = {"start": TIME, "end": TIME}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError(_("The closing time must come after the opening time."))
        return data


class BaseHoursFormSet(forms.BaseModelFormSet):
    def clean(self):
        super().clean()
        ranges: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("start") or not data.get("end"):
                continue
            for a, b in ranges.get(data["weekday"], []):
                if data["start"] < b and data["end"] > a:
                    raise ValidationError(_("Two ranges of hours overlap on %(day)s: merge them into one.")
                                          % {"day": form.instance.get_weekday_display()
                                             if form.instance.weekday is not None else data["weekday"]})
            ranges.setdefault(data["weekday"], []).append((data["start"], data["end"]))


OpeningHoursFormSet = forms.modelformset_factory(OpeningHours, form=OpeningHoursForm, formset=BaseHoursFormSet,
                                                 extra=3, can_delete=True, max_num=30)


class AgendaSettingsForm(forms.ModelForm):
    class Meta:
        model = AgendaSettings
        fields = ["reminders_enabled", "online_booking_enabled", "booking_days_ahead", "booking_requests_per_hour",
                  "holiday_region", "closed_on_public_holidays"]


class FeedForm(forms.Form):
    privacy = forms.ChoiceField(label=_("The feed shows"), choices=FeedPrivacy.choices)


class ImportForm(forms.Form):
    calendar = forms.ModelChoiceField(label=_("Into the calendar"), queryset=Calendar.objects.filter(active=True))
    file = forms.FileField(label=_("iCalendar file (.ics)"))


class ExportForm(forms.Form):
    calendar = forms.ModelChoiceField(label=_("Calendar"), queryset=Calendar.objects.filter(active=True))
    first = forms.DateField(label=_("From"), widget=DATE)
    last = forms.DateField(label=_("To"), widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last"):
            if data["last"] < data["first"]:
                raise ValidationError(_("The end must come after the start."))
            if (data["last"] - data["first"]).days > 366:
                raise ValidationError(_("Export at most one year at a time."))
        return data


class BookingForm(forms.Form):
    last_name = forms.CharField(label=_("Surname"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    email = forms.EmailField(label=_("E-mail"))
    # Left empty by people; robots fill every field.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                           "tabindex": "-1"}),
                              label=_("Leave this field empty"))

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > datetime.date.today() or value.year < 1890:
            raise ValidationError(_("Check the birth date."))
        return value

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Leave this field empty."))
        return ""
