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
