from django import forms
from django.utils.translation import gettext_lazy as _

from intramuros.accounts.models import User
from intramuros.messaging.models import Priority


def _active_users():
    return User.objects.filter(is_active=True).order_by("last_name", "first_name")


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class MessageForm(forms.Form):
    recipients = UserChoiceField(label=_("To"), queryset=User.objects.none(),
                                 widget=forms.CheckboxSelectMultiple)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)

    def __init__(self, *args, sender=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = _active_users()
        self.fields["recipients"].queryset = qs.exclude(pk=sender.pk) if sender else qs


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    detail = forms.CharField(label=_("Detail"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    assignee = forms.ModelChoiceField(label=_("Assigned to"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _active_users()
        self.fields["assignee"].label_from_instance = lambda u: u.display_name


class MailForm(forms.Form):
    correspondent = forms.ChoiceField(label=_("To a correspondent of the patient"), required=False)
    to = forms.EmailField(label=_("Or to this address"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=20000, required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, correspondents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.correspondents = {str(c.pk): c for c in correspondents if c.best_email}
        self.fields["correspondent"].choices = [("", "—")] + [
            (pk, f"{c} <{c.best_email}>") for pk, c in self.correspondents.items()]

    def clean(self):
        data = super().clean()
        chosen = self.correspondents.get(data.get("correspondent") or "")
        data["correspondent_obj"] = chosen
        data["address"] = data.get("to") or (chosen.best_email if chosen else "")
        if not data["address"] and not self.errors:
            raise forms.ValidationError(_("Choose a correspondent or type an e-mail address."))
        return data
