"""Letters: made from a template, edited with a live preview, printed once, reprinted as duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros.accounts.access import capability_required, has_capability
from intramuros.documents import selectors, services
from intramuros.documents.access import letter_for_user, printed_for_user
from intramuros.documents.forms import LetterForm, NewLetterForm
from intramuros.documents.responses import file_response, framable
from intramuros.documents.sandbox import TemplateProblem, check_letter_html
from intramuros.documents.storage import StoreError, read_bytes
from intramuros.patients.access import patient_for_user


@require_POST
@capability_required("letters.write")
def letter_new(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="document")
    form = NewLetterForm(request.POST, consultations=selectors.recent_consultations(patient=patient))
    if not form.is_valid():
        messages.error(request, _("Choose a template for the letter."))
        return redirect("documents:patient_list", patient_id=patient.pk)
    try:
        letter = services.letter_create(author=request.user, patient=patient, template=form.cleaned_data["template"],
                                        consultation=form.cleaned_data["consultation"])
    except TemplateProblem as exc:
        messages.error(request, _("The template “%(name)s” cannot be used: %(problem)s")
                       % {"name": form.cleaned_data["template"], "problem": exc})
        return redirect("documents:patient_list", patient_id=patient.pk)
    return redirect("documents:letter", letter_id=letter.pk)


@capability_required("documents.view")
def letter(request, letter_id):
    obj = letter_for_user(request.user, letter_id)
    may_write = has_capability(request.user, "letters.write")
    if request.method == "POST" and not may_write:
        raise PermissionDenied
    form = LetterForm(request.POST or None, initial={"title": obj.title, "body": obj.body, "page_size": obj.page_size})
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_update(actor=request.user, letter=obj, **form.cleaned_data)
        except (TemplateProblem, ValidationError) as exc:
            form.add_error("body" if isinstance(exc, TemplateProblem) else None, exc)
        else:
            messages.success(request, _("Letter saved."))
            return redirect("documents:letter", letter_id=obj.pk)
    return render(request, "documents/letter.html", {
        "patient": obj.patient, "letter": obj, "form": form, "may_write": may_write,
        "can_write": may_write and not obj.is_printed, "prints": obj.prints.select_related("printed_by")},
        status=400 if form.errors else 200)


@require_POST
@capability_required("letters.write")
def letter_preview(request, letter_id):
    """htmx: the edited text as it will be printed, or what is wrong with it."""
    letter_for_user(request.user, letter_id)
    try:
        html, problem = check_letter_html(request.POST.get("body", "")), ""
    except TemplateProblem as exc:
        html, problem = "", str(exc)
    return render(request, "documents/_preview.html", {"html": html, "problem": problem,
                                                       "page_size": request.POST.get("page_size", "A4")})


@require_POST
@capability_required("letters.write")
def letter_print(request, letter_id):
    obj = letter_for_user(request.user, letter_id)
    try:
        printed = services.letter_print(actor=request.user, letter=obj)
    except (TemplateProblem, ValidationError) as exc:
        messages.error(request, str(exc))
        return redirect("documents:letter", letter_id=obj.pk)
    return redirect("documents:printed", printed_id=printed.pk)


@require_POST
@capability_required("letters.write")
def letter_new_version(request, letter_id):
    obj = letter_for_user(request.user, letter_id)
    copy = services.letter_new_version(actor=request.user, letter=obj)
    messages.success(request, _("New version created: edit it, then print it."))
    return redirect("documents:letter", letter_id=copy.pk)


@require_POST
@capability_required("letters.write")
def letter_delete(request, letter_id):
    obj = letter_for_user(request.user, letter_id)
    try:
        services.letter_delete(actor=request.user, letter=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("documents:letter", letter_id=obj.pk)
    messages.success(request, _("Draft deleted."))
    return redirect("documents:patient_list", patient_id=obj.patient_id)


@capability_required("documents.view")
def printed(request, printed_id):
    obj = printed_for_user(request.user, printed_id)
    original = obj.duplicate_of or obj
    return render(request, "documents/printed.html", {
        "patient": obj.patient, "printed": obj, "original": original,
        "duplicates": original.duplicates.select_related("printed_by"),
        "can_write": has_capability(request.user, "letters.write")})


@framable
@capability_required("documents.view")
def printed_pdf(request, printed_id):
    download = request.GET.get("download") == "1"
    obj = printed_for_user(request.user, printed_id, action="downloaded" if download else "opened")
    try:
        data = read_bytes(obj.file)
    except StoreError as exc:
        return render(request, "documents/store_error.html", {"message": str(exc)}, status=500)
    return file_response(data, content_type="application/pdf", title=obj.title, download=download)


@require_POST
@capability_required("letters.write")
def printed_reprint(request, printed_id):
    obj = printed_for_user(request.user, printed_id)
    duplicate = services.printed_document_reprint(actor=request.user, printed=obj)
    return redirect("documents:printed", printed_id=duplicate.pk)
