"""Inbox, conversations, tasks. Thin: forms in, one service call, redirect."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from intramuros.accounts.access import capability_required
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
    services.message_mark_read(user=request.user, message=root)
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
    return render(request, "messaging/patient_messages.html", {
        "patient": patient, "patient_messages": selectors.patient_messages(user=request.user, patient=patient),
        "active_tab": "messaging:patient_messages"})
