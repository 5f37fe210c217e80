"""Walking every URL pattern of the project, and filling its arguments with real ids.

Used by test_url_roles.py. The "world" is the demo practice (a few patients, with what every app's demo
adds), plus a replacement practitioner and an administrator without medical access. URL arguments
named `<model>_id` (or `<model>_pk`) get the id of an object of that model, preferably one belonging to the
world's patient; a table entry may give its own `kwargs` (a value, or a function of the world).
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ("anonymous", "secretary", "practitioner", "other_practitioner", "replacement", "admin")


@dataclass
class Route:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str
    name: str | None
    converters: dict


def walk(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    patterns = get_resolver().url_patterns if patterns is None else patterns
    routes: list[Route] = []
    for item in patterns:
        if isinstance(item, URLResolver):
            ns = item.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            routes += walk(item.url_patterns, prefix + str(item.pattern), child_ns)
        elif isinstance(item, URLPattern):
            route = prefix + str(item.pattern)
            name = f"{namespace}:{item.name}" if namespace and item.name else item.name
            converters = dict(getattr(item.pattern, "converters", {}))
            routes.append(Route(key=name or route, route=route, name=name, converters=converters))
    return routes


@dataclass
class World:
    users: dict
    patient: object
    values: dict = field(default_factory=dict)


DEMO_FAILURES: list[str] = []


def _demo(patients: int, seed: int):
    """The demo practice, each app's part in a savepoint: one app's broken demo must not hide every URL."""
    import importlib
    from unittest import mock

    from django.db import transaction

    from intramuros.core import demo

    DEMO_FAILURES.clear()
    with mock.patch.object(demo.apps, "get_app_configs", return_value=[]):
        ctx = demo.demo_load(patients=patients, seed=seed)  # core only: practice, users, patients
    for config in apps.get_app_configs():
        if not config.name.startswith("intramuros.") or config.name == "intramuros.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError:
            continue
        try:
            with transaction.atomic():
                module.populate(ctx)
        except Exception as exc:  # noqa: BLE001 - reported with the table's differences
            DEMO_FAILURES.append(f"{config.name}.demo: {type(exc).__name__}: {exc}")
    return ctx


def build_world() -> World:
    from intramuros.testing.personas import make_user

    ctx = _demo(patients=6, seed=11)
    users = {
        "secretary": ctx.users["bob"],
        "practitioner": ctx.users["diane"],
        "other_practitioner": ctx.users["charlie"],
        "replacement": make_user("remy", "replacement", title="Dr", first="Rémy", last="Petit"),
        "admin": make_user("eve", "admin", first="Eve", last="Admin"),
    }
    from intramuros.patients.access import has_care_relation

    # The world patient: the practitioner's own, and nothing to do with the other practitioner or the
    # replacement (no appointment, no consultation), so that they meet the break-the-glass page.
    Patient = apps.get_model("patients", "Patient")
    candidates = list(Patient.objects.filter(referring_practitioner=users["practitioner"]).order_by("pk"))
    strangers = [p for p in candidates if not has_care_relation(users["other_practitioner"], p)
                 and not has_care_relation(users["replacement"], p)]
    patient = (strangers or candidates or [None])[0]
    if patient is None:
        patient = Patient.objects.order_by("pk").first()
        Patient.objects.filter(pk=patient.pk).update(referring_practitioner=users["practitioner"])
        patient.refresh_from_db()
    if not strangers:
        _hand_over(patient, users["other_practitioner"], users["practitioner"])
    # "Own patients only" is on, so the table also proves that every medical page asks another practitioner
    # for a reason (break-the-glass) instead of opening the file.
    from intramuros.core.models import Practice

    Practice.objects.update(restrict_to_own_patients=True)
    world = World(users=users, patient=patient)
    world.values = {"patient_id": patient.pk, "patient_pk": patient.pk,
                    "user_id": users["other_practitioner"].pk}
    return world


def _hand_over(patient, former, practitioner) -> None:
    """The demo gave `former` appointments or consultations with `patient`: give them to `practitioner`."""
    try:
        Calendar = apps.get_model("agenda", "Calendar")
        Appointment = apps.get_model("agenda", "Appointment")
    except LookupError:
        pass
    else:
        own = Calendar.objects.filter(practitioner=practitioner).first()
        theirs = Appointment.objects.filter(patient=patient, calendar__practitioner=former)
        if own is not None:
            theirs.update(calendar=own)
    try:
        Consultation = apps.get_model("clinical", "Consultation")
    except LookupError:
        return
    getattr(Consultation, "all_objects", Consultation.objects).filter(
        patient=patient, practitioner=former).update(practitioner=practitioner)


def obj(app_label: str, model_name: str, **filters):
    """For a table entry's kwargs: the id of an object of that model (the world patient's when it has one)."""

    def pick(world: World):
        model = apps.get_model(app_label, model_name)
        found = _pick(model, world, **filters)
        return found.pk if found is not None else 0

    return pick


def _models_by_key() -> dict:
    found = {}
    for model in apps.get_models():
        if model.__module__.startswith("intramuros."):
            found.setdefault(model._meta.model_name, model)
            found.setdefault(model._meta.model_name.replace("_", ""), model)
    return found


def _pick(model, world: World, **filters):
    manager = getattr(model, "all_objects", model._default_manager)
    if filters:
        manager = manager.filter(**filters)
    names = {f.name for f in model._meta.get_fields()}
    if "patient" in names:
        own = manager.filter(patient=world.patient).order_by("pk").first()
        if own is not None:
            return own
    return manager.order_by("pk").first()


# Argument names that do not name their model.
SYNONYMS = {
    "document": ("documents", "UploadedDocument"), "printed": ("documents", "PrintedDocument"),
    "item": ("documents", "InboxItem"), "template": ("documents", "LetterTemplate"),
    "mail": ("messaging", "OutgoingMail"), "link": ("patients", "PatientCorrespondent"),
    "merge": ("patients", "PatientMerge"), "print": ("prescriptions", "PrescriptionPrint"),
    "tablet": ("messaging", "Tablet"), "request": ("messaging", "SignatureRequest"),
    "resource": ("agenda", "Calendar"), "type": ("agenda", "AppointmentType"),
    "form": ("clinical", "FormDefinition"), "token": ("interop", "ApiToken"),
}
GUESSED: set[str] = set()  # "route key: kwarg" whose value could not be found (listed in the dump)


def kwarg_value(kwarg: str, converter, entry: dict, world: World, route_name: str = "", route: str = ""):
    given = (entry or {}).get("kwargs", {})
    if kwarg in given:
        value = given[kwarg]
        return value(world) if callable(value) else value
    if kwarg in world.values:
        return world.values[kwarg]
    base = kwarg
    for suffix in ("_id", "_pk", "_uuid"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    models = _models_by_key()
    model = models.get(base.replace("_", ""))
    if model is None and base in SYNONYMS and converter.__class__.__name__ == "IntConverter":
        try:
            model = apps.get_model(*SYNONYMS[base])
        except LookupError:
            model = None
    if model is None and kwarg in ("pk", "id") and route:
        # "setup/calendars/<int:pk>/hours/" -> Calendar (the segment before the argument, in the singular).
        before = route.split(f"<int:{kwarg}>")[0].rstrip("/").rsplit("/", 1)[-1].replace("-", "")
        model = models.get(before[:-1] if before.endswith("s") else before) or models.get(before)
    if model is None and kwarg in ("pk", "id") and route_name:
        # "clinical:consultation_detail" -> Consultation; "billing:invoice_pdf" -> Invoice.
        app_label, _, name = route_name.rpartition(":")
        words = name.split("_")
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size + 1):
                joined = "".join(words[start:start + size])
                candidate = models.get(joined)
                if candidate is None and joined in SYNONYMS:
                    try:
                        candidate = apps.get_model(*SYNONYMS[joined])
                    except LookupError:
                        candidate = None
                if candidate is not None and (model is None):
                    model = candidate
            if model is not None:
                break
    if model is not None:
        obj = _pick(model, world)
        if obj is not None:
            return obj.pk
    GUESSED.add(f"{route_name or route}: {kwarg}")
    kind = type(converter).__name__
    if kind == "UUIDConverter":
        return uuid.uuid4()
    if kind == "IntConverter":
        return 1
    if "date" in kwarg:
        return datetime.date.today().isoformat()
    return "x"


def url_for(route: Route, entry: dict, world: World) -> str:
    if "path" in entry:  # an unnamed or regular-expression pattern: the table gives a sample path
        return entry["path"]
    kwargs = {k: kwarg_value(k, c, entry, world, route.name or "", route.route)
              for k, c in route.converters.items()}
    if route.name:
        return reverse(route.name, kwargs=kwargs or None)
    # An unnamed pattern: a path from its route, optional regular-expression groups left out.
    path = "/" + re.sub(r"\(\?P<\w+>[^)]*\)\?", "", route.route).strip("^$")
    for k, v in kwargs.items():
        path = path.replace(f"<{k}>", str(v))
    return path


def client_for(role: str, world: World) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def classify(response) -> str:
    from django.conf import settings

    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        login = reverse(settings.LOGIN_URL)
        return "login" if response["Location"].startswith(login) else "302"
    if 200 <= code < 300:
        return "200"
    return str(code)
