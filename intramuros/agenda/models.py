"""Calendars, opening hours, appointment types, appointments, recurrence, waiting room, feeds, booking.

Times are stored aware (UTC in the database); recurrence rules are expanded in the practice's local
wall-clock time so that "every Tuesday at 9:00" stays at 9:00 across daylight-saving changes.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Give a colour as # followed by six hexadecimal digits, e.g. #2b6cb0."))


class CalendarKind(models.TextChoices):
    PRACTITIONER = "practitioner", _("Practitioner")
    ROOM = "room", _("Room")
    EQUIPMENT = "equipment", _("Equipment")


class FeedPrivacy(models.TextChoices):
    BUSY = "busy", _("Busy only")
    INITIALS = "initials", _("Initials and type")


class Calendar(models.Model):
    """One column of the agenda: a practitioner's, or a shared resource's (room, ultrasound machine)."""

    kind = models.CharField(_("kind"), max_length=20, choices=CalendarKind.choices, default=CalendarKind.PRACTITIONER)
    name = models.CharField(_("name"), max_length=120)
    practitioner = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("practitioner"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="agenda_calendar",
    )
    active = models.BooleanField(_("active"), default=True)
    # The iCalendar feed: only a hash of the secret token is kept; revoking clears it.
    feed_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    feed_privacy = models.CharField(_("feed shows"), max_length=10, choices=FeedPrivacy.choices,
                                    default=FeedPrivacy.BUSY)

    class Meta:
        verbose_name = _("calendar")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_resource(self) -> bool:
        return self.kind != CalendarKind.PRACTITIONER

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class OpeningHours(models.Model):
    """A range of hours a calendar is open on one weekday; several ranges a day (morning, afternoon)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
                               (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))])
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        verbose_name = _("opening hours")
        ordering = ["calendar", "weekday", "start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="agenda_opening_end_after_start")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class AppointmentType(models.Model):
    name = models.CharField(_("name"), max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=20, validators=[MinValueValidator(5), MaxValueValidator(600)])
    colour = models.CharField(_("colour"), max_length=7, default="#2b6cb0", validators=[COLOUR])
    practitioners = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("offered by"), blank=True,
                                           related_name="appointment_types")
    bookable_online = models.BooleanField(_("bookable online"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("appointment type")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnavailabilityKind(models.TextChoices):
    ABSENCE = "absence", _("Absence")
    HOLIDAY = "holiday", _("Holidays")
    CLOSURE = "closure", _("Practice closed")
    BUSY = "busy", _("Busy (imported)")


class Unavailability(models.Model):
    """Time a calendar (or, without calendar, the whole practice) cannot be booked; may recur (RFC 5545)."""

    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="unavailabilities",
                                 help_text=_("Leave empty for the whole practice."))
    kind = models.CharField(_("kind"), max_length=10, choices=UnavailabilityKind.choices,
                            default=UnavailabilityKind.ABSENCE)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    rule = models.CharField(_("repeats (RFC 5545 rule)"), max_length=300, blank=True)
    # Occurrences taken out of the rule (RFC 5545 EXDATE): local wall-clock starts, "YYYY-MM-DDTHH:MM", space-separated.
    exdates = models.TextField(_("occurrences skipped"), blank=True, default="")
    # Last moment covered by the rule (None: no end), so that a range query can skip dead rules.
    rule_until = models.DateTimeField(null=True, blank=True, editable=False)
    uid = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("unavailability")
        verbose_name_plural = _("unavailabilities")
        ordering = ["start"]
        indexes = [models.Index(fields=["calendar", "start"])]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="agenda_unavailability_end_after_start")]

    def __str__(self) -> str:
        return self.reason or self.get_kind_display()


class Series(models.Model):
    """A recurring appointment: the rule, from which the occurrences were created as appointments."""

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="series")
    rule = models.CharField(_("rule (RFC 5545)"), max_length=300)
    dtstart = models.DateTimeField(_("first occurrence"))
    duration_minutes = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="splits",
                               help_text="the series this one was split from ('this and the following')")

    class Meta:
        verbose_name = _("recurring appointment")

    def __str__(self) -> str:
        return self.rule


class Status(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    IN_CONSULTATION = "in_consultation", _("In consultation")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (Status.BOOKED, Status.ARRIVED, Status.IN_CONSULTATION, Status.DONE)


class Appointment(models.Model):
    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT,
                                 related_name="appointments")
    resource = models.ForeignKey(Calendar, verbose_name=_("room or equipment"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="resource_appointments")
    patient = models.ForeignKey("patients.Patient", verbose_name=_("patient"), on_delete=models.PROTECT,
                                related_name="appointments")
    type = models.ForeignKey(AppointmentType, verbose_name=_("type"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    consultation_at = models.DateTimeField(_("called in at"), null=True, blank=True)
    done_at = models.DateTimeField(_("left at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("marked absent at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    forced = models.BooleanField(_("booked despite a conflict"), default=False)
    series = models.ForeignKey(Series, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="appointments")
    # An occurrence changed on its own ("this one only") no longer follows its series' later edits.
    is_exception = models.BooleanField(default=False)
    booking_request = models.OneToOneField("BookingRequest", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="appointment")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appointment")
        ordering = ["start"]
        indexes = [
            # By calendar and start, holding every column the grids read (agenda/gridsql.py): a week's
            # appointments lie in a few pages of the index instead of one table page each.
            models.Index(fields=["calendar", "start", "end", "status", "resource", "series", "type", "patient"],
                         name="agenda_appt_grid_cover"),
            models.Index(fields=["resource", "start"]),
            models.Index(fields=["patient", "start"]),
            # By start, holding what the search reads of the day's appointments (patients.selectors): today's
            # patients come first, and their ids are read on every keystroke.
            models.Index(fields=["start", "status", "patient"], name="agenda_appt_day_cover"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="agenda_appointment_end_after_start")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.start):%d/%m/%Y %H:%M} {self.calendar}"

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AgendaSettings(models.Model):
    """The practice's agenda options: one row, everything optional is off by default."""

    reminders_enabled = models.BooleanField(_("send e-mail reminders the day before"), default=False)
    online_booking_enabled = models.BooleanField(_("online booking page open"), default=False)
    booking_days_ahead = models.PositiveSmallIntegerField(
        _("online booking: days ahead offered"), default=21, validators=[MinValueValidator(1), MaxValueValidator(90)])
    booking_requests_per_hour = models.PositiveSmallIntegerField(
        _("online booking: requests allowed per address and hour"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)])
    holiday_region = models.CharField(
        _("public holidays"), max_length=3, default="", blank=True,
        choices=[("", _("Metropolitan France")), ("57", _("Moselle")), ("6AE", _("Alsace (Bas-Rhin, Haut-Rhin)")),
                 ("971", _("Guadeloupe")), ("972", _("Martinique")), ("973", _("French Guiana")),
                 ("974", _("La Réunion")), ("976", _("Mayotte"))])
    closed_on_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)

    class Meta:
        verbose_name = _("agenda settings")

    def __str__(self) -> str:
        return str(_("agenda settings"))

    @classmethod
    def current(cls) -> AgendaSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()

    @classmethod
    def cached(cls) -> AgendaSettings:
        """The settings for reading on every agenda page and booking (shared by threads: never modify it)."""
        from intramuros.core import rowcache

        return rowcache.get("agenda_settings", cls.current)


class ReminderLog(models.Model):
    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    at = models.DateTimeField(default=timezone.now)
    recipient = models.CharField(max_length=254, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("reminder sent")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome} {self.recipient}"


class BookingRequest(models.Model):
    """A request made on the public booking page, waiting for the secretary."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="booking_requests")
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=30)
    email = models.EmailField(_("e-mail"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("booking request")
        indexes = [models.Index(fields=["ip", "created_at"]), models.Index(fields=["state", "start"])]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.state}"
