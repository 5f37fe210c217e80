"""Plain words for action codes, for the review screen and the patient's report."""

from django.utils.translation import gettext_lazy as _

PARTS = {
    "identity": _("administrative file"),
    "summary": _("medical summary"),
    "record": _("medical record"),
    "consultation": _("consultation"),
    "document": _("document"),
    "prescription": _("prescription"),
    "billing": _("billing"),
    "agenda": _("appointments"),
    "patient": _("patient file"),
    "patients": _("patients"),
    "appointment": _("appointment"),
    "letter": _("letter"),
    "invoice": _("invoice"),
    "payment": _("payment"),
    "photo": _("photo"),
    "correspondent": _("correspondent"),
    "treatment": _("treatment"),
    "allergy": _("allergy"),
    "antecedent": _("medical history"),
    "problem": _("problem"),
    "vaccination": _("vaccination"),
    "login": _("login"),
    "logout": _("logout"),
    "message": _("message"),
    "archive": _("backup"),
    "keys": _("keys of the practice"),
}

VERBS = {
    "viewed": _("viewed"),
    "created": _("created"),
    "registered": _("created"),
    "changed": _("changed"),
    "updated": _("changed"),
    "edited": _("changed"),
    "deleted": _("deleted"),
    "restored": _("restored"),
    "printed": _("printed"),
    "exported": _("exported"),
    "searched": _("searched"),
    "merged": _("merged"),
    "granted": _("opened with a reason (break-the-glass)"),
    "signed": _("signed"),
    "issued": _("issued"),
    "booked": _("booked"),
    "cancelled": _("cancelled"),
    "moved": _("moved"),
    "saved": _("saved"),
    "uploaded": _("uploaded"),
    "downloaded": _("downloaded"),
    "filed": _("filed"),
    "received": _("received"),
    "recorded": _("recorded"),
    "stopped": _("stopped"),
    "linked": _("linked"),
    "unlinked": _("unlinked"),
    "unmerged": _("merge undone"),
    "search": _("searched"),
    "removed": _("removed"),
    "succeeded": _("succeeded"),
    "failed": _("failed"),
    "pruned": _("pruned (retention rules)"),
    "unlocked": _("unlocked with the passphrase"),
    "locked": _("locked with a passphrase"),
    "rotated": _("rotated"),
}

FLAGS = {
    "burst": _("many files in a short time"),
    "night": _("outside working hours"),
    "same_surname": _("patient with the user's surname"),
    "no_care_relation": _("not one of the user's patients"),
    "break_glass": _("break-the-glass"),
    "flagged": _("flagged"),
}


def describe(action: str) -> str:
    """'patients.summary.viewed' -> 'medical summary: viewed'; unknown codes are shown as they are."""
    parts = action.split(".")
    if len(parts) < 2:
        return action
    entity, verb = parts[-2], parts[-1]
    if action == "patients.break_glass.granted":
        return str(VERBS["granted"])
    if verb in VERBS:
        thing = PARTS.get(entity, entity.replace("_", " "))
        return f"{thing}: {VERBS[verb]}"
    return action

# Shown by the security gate (core/lockdown.py) to a request carrying a NUL character.
NUL_REFUSED = _("This request contains a character that cannot be typed (NUL): it was refused. "
                "Go back and type the text again.")
