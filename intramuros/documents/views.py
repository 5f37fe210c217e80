"""Pages of the documents app: the patient's documents, uploads, the drop-folder inbox."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intramuros.accounts.access import capability_required, has_capability
from intramuros.documents import selectors, services
from intramuros.documents.access import document_for_user, inbox_item_for_user
from intramuros.documents.forms import DocumentForm, NewLetterForm, UploadForm
from intramuros.documents.responses import file_response, framable
from intramuros.documents.storage import StoreError, read_bytes
from intramuros.documents.uploads import UploadRefused
from intramuros.patients.access import patient_for_user


@capability_required("documents.view")
def index(request):
    can_file = has_capability(request.user, "documents.edit")
    inbox = list(selectors.unfiled_inbox()) if can_file else []
    return render(request, "documents/index.html", {"inbox": inbox, "can_file": can_file,
                                                    "can_admin": has_capability(request.user, "admin.settings")})


def _patient_page(request, patient, *, upload_form=None, status=200):
    context = {
        "patient": patient,
        "documents": selectors.documents_of_patient(patient=patient),
        "letters": selectors.letters_of_patient(patient=patient),
        "upload_form": upload_form or UploadForm(),
        "letter_form": NewLetterForm(consultations=selectors.recent_consultations(patient=patient)),
        "can_edit": has_capability(request.user, "documents.edit"),
        "can_write": has_capability(request.user, "letters.write"),
    }
    return render(request, "documents/patient_list.html", context, status=status)


@capability_required("documents.view")
def patient_list(request, patient_id):
    return _patient_page(request, patient_for_user(request.user, patient_id, part="document"))


@require_POST
@capability_required("documents.edit")
def upload(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="document")
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        f = form.cleaned_data["file"]
        try:
            services.document_upload(actor=request.user, patient=patient, data=f.read(), name=f.name,
                                     title=form.cleaned_data["title"], category=form.cleaned_data["category"],
                                     document_date=form.cleaned_data["document_date"])
        except UploadRefused as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("Document added."))
            return redirect("documents:patient_list", patient_id=patient.pk)
    return _patient_page(request, patient, upload_form=form, status=400)


@capability_required("documents.view")
def document(request, document_id):
    doc = document_for_user(request.user, document_id)
    form = DocumentForm(initial={"title": doc.title, "document_date": doc.document_date, "category": doc.category})
    return render(request, "documents/document.html", {"patient": doc.patient, "doc": doc, "form": form,
                                                       "can_edit": has_capability(request.user, "documents.edit")})


@framable
@capability_required("documents.view")
def document_content(request, document_id):
    download = request.GET.get("download") == "1"
    doc = document_for_user(request.user, document_id, action="downloaded" if download else "opened")
    try:
        data = read_bytes(doc.file)
    except StoreError as exc:
        return render(request, "documents/store_error.html", {"message": str(exc)}, status=500)
    return file_response(data, content_type=doc.file.content_type, title=doc.title, download=download)


@require_POST
@capability_required("documents.edit")
def document_edit(request, document_id):
    doc = document_for_user(request.user, document_id)
    form = DocumentForm(request.POST)
    if not form.is_valid():
        return render(request, "documents/document.html", {"patient": doc.patient, "doc": doc, "form": form,
                                                           "can_edit": True}, status=400)
    services.document_update(actor=request.user, document=doc, **form.cleaned_data)
    messages.success(request, _("Document updated."))
    return redirect("documents:document", document_id=doc.pk)


@require_POST
@capability_required("documents.edit")
def document_delete(request, document_id):
    doc = document_for_user(request.user, document_id)
    services.document_delete(actor=request.user, document=doc)
    messages.success(request, _("Document removed from the file (an administrator can restore it)."))
    return redirect("documents:patient_list", patient_id=doc.patient_id)


def _file_item(request, item, form):
    """File the scan if a patient was picked; return the new document, or None with the error on the form."""
    patient_id = request.POST.get("patient_id", "")
    if not patient_id:
        form.add_error(None, _("Choose the patient this document belongs to: type a name, then pick them in "
                               "the list."))
        return None
    patient = patient_for_user(request.user, patient_id, part="document")
    try:
        return services.inbox_file(actor=request.user, item=item, patient=patient, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@capability_required("documents.edit")
def inbox_item(request, item_id):
    item = inbox_item_for_user(request.user, item_id)
    form = DocumentForm(request.POST or None, initial={
        "title": item.original_name.rsplit(".", 1)[0], "document_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        doc = _file_item(request, item, form)
        if doc is not None:
            messages.success(request, _("Filed into %(patient)s's record.") % {"patient": doc.patient})
            return redirect("documents:document", document_id=doc.pk)
    return render(request, "documents/inbox_item.html", {"item": item, "form": form},
                  status=400 if form.errors else 200)


@framable
@capability_required("documents.edit")
def inbox_content(request, item_id):
    item = inbox_item_for_user(request.user, item_id, action="opened")
    try:
        data = read_bytes(item.file)
    except StoreError as exc:
        return render(request, "documents/store_error.html", {"message": str(exc)}, status=500)
    return file_response(data, content_type=item.file.content_type, title=item.original_name,
                         download=request.GET.get("download") == "1")


@require_POST
@capability_required("documents.edit")
def inbox_discard(request, item_id):
    item = inbox_item_for_user(request.user, item_id)
    services.inbox_discard(actor=request.user, item=item)
    messages.success(request, _("%(name)s set aside (it stays in the store).") % {"name": item.original_name})
    return redirect("documents:index")


@capability_required("documents.edit")
def patient_picker(request):
    """htmx: patients matching the text typed in the filing form."""
    from intramuros.patients.selectors import patient_search

    text = request.GET.get("q", "").strip()
    results = patient_search(user=request.user, text=text, limit=10) if len(text) >= 2 else []
    return render(request, "documents/_patient_picker.html", {"results": results, "text": text})
