"""Inbox, conversations, tasks. Thin: forms in, one service call, redirect."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from intramuros.accounts.access import capability_required, has_capability
from intramuros.messaging import selectors, services
from intramuros.messaging.forms import MessageForm, ReplyForm, TaskForm
from intramuros.messaging.models import Task
from intramuros.patients.access import patient_for_user


def _patient_from(request):
    patient_id = request.GET.get("patient") or request.POST.get("patient")
    return patient_for_user(request.user, patient_id, part="identity") if patient_id else None


@capability_required("messages.use")
def inbox(request):
    return render(request, "messaging/inbox.html", {
        "deliveries": selectors.inbox(user=request.user), "tasks": selectors.tasks_for(user=request.user)})


@capability_required("messages.use")
def sent(request):
    return render(request, "messaging/sent.html", {"sent_messages": selectors.sent(user=request.user)})


@capability_required("messages.use")
@require_http_methods(["GET", "POST"])
def compose(request):
    patient = _patient_from(request)
    form = MessageForm(request.POST or None, sender=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.message_send(sender=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            flash.success(request, _("Message sent."))
            return redirect("messaging:thread", message_id=message.pk)
    return render(request, "messaging/compose.html", {"form": form, "patient": patient})


@capability_required("messages.use")
@require_http_methods(["GET", "POST"])
def thread(request, message_id):
    message = selectors.message_for_user(user=request.user, message_id=message_id)
    if message is None:
        raise Http404
    root = message.thread_root
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.message_reply(sender=request.user, to=root, body=form.cleaned_data["body"])
        return redirect("messaging:thread", message_id=root.pk)
    services.message_read(user=request.user, message=root)
    return render(request, "messaging/thread.html", {"root": root, "conversation": selectors.thread(root=root),
                                                     "form": form})


@capability_required("messages.use")
@require_http_methods(["GET", "POST"])
def task_new(request):
    patient = _patient_from(request)
    form = TaskForm(request.POST or None, initial={"assignee": request.user})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.task_create(creator=request.user, assignee=data["assignee"], title=data["title"],
                                 detail=data["detail"], due_date=data["due_date"], patient=patient)
        except ValidationError as exc:
            form.add_error("assignee", exc)
        else:
            flash.success(request, _("Task created."))
            return redirect("messaging:inbox")
    return render(request, "messaging/task_form.html", {"form": form, "patient": patient})


@capability_required("messages.use")
@require_POST
def task_toggle(request, task_id):
    task = get_object_or_404(Task, pk=task_id, assigned_to=request.user)
    if task.done_at:
        services.task_reopen(user=request.user, task=task)
    else:
        services.task_complete(user=request.user, task=task)
    return redirect(request.POST.get("next") or "messaging:inbox")


@capability_required("messages.use")
def patient_messages(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="identity")
    mails = selectors.patient_mails(patient=patient) if has_capability(request.user, "documents.view") else []
    return render(request, "messaging/patient_messages.html", {
        "patient": patient, "patient_messages": selectors.patient_messages(user=request.user, patient=patient),
        "mails": mails})


def _printed_for_user(request, printed_id):
    from intramuros.documents.models import PrintedDocument

    printed = get_object_or_404(PrintedDocument.objects.select_related("patient"), pk=printed_id)
    patient_for_user(request.user, printed.patient_id, part="document")
    return printed


@capability_required("documents.view")
@require_http_methods(["GET", "POST"])
def mail_printed(request, printed_id):
    """Send a printed document (letter, prescription...) by e-mail to a correspondent or an address."""
    from intramuros.messaging import mail
    from intramuros.messaging.forms import MailForm
    from intramuros.patients.models import Correspondent

    printed = _printed_for_user(request, printed_id)
    correspondents = Correspondent.objects.filter(patient_links__patient=printed.patient,
                                                  patient_links__deleted_at__isnull=True).distinct()
    form = MailForm(request.POST or None, correspondents=correspondents, initial={"subject": printed.title})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent_mail = mail.mail_queue(actor=request.user, to=data["address"], subject=data["subject"],
                                        body=data["body"], patient=printed.patient,
                                        correspondent=data["correspondent_obj"], printed_documents=[printed])
        except (ValidationError, mail.MailNotConfigured) as exc:
            form.add_error(None, str(exc.message if isinstance(exc, ValidationError) else exc))
        else:
            sent_mail.refresh_from_db()
            (flash.success if sent_mail.status != "failed" else flash.error)(
                request, _("E-mail to %(to)s: %(status)s. %(answer)s") % {
                    "to": sent_mail.to_address, "status": sent_mail.get_status_display(),
                    "answer": sent_mail.server_answer})
            return redirect("messaging:patient_messages", patient_id=printed.patient_id)
    return render(request, "messaging/mail_form.html", {"form": form, "printed": printed,
                                                        "patient": printed.patient})


@capability_required("documents.view")
@require_POST
def mail_retry(request, mail_id):
    from intramuros.messaging import mail
    from intramuros.messaging.models import OutgoingMail

    outgoing = get_object_or_404(OutgoingMail, pk=mail_id)
    if outgoing.patient_id:
        patient_for_user(request.user, outgoing.patient_id, part="document")
    elif outgoing.sent_by != request.user:
        raise Http404
    mail.mail_deliver_task.enqueue(outgoing.pk)
    flash.info(request, _("The e-mail is being sent again."))
    return redirect("messaging:patient_messages", patient_id=outgoing.patient_id) if outgoing.patient_id \
        else redirect("messaging:inbox")
