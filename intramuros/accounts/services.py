"""Writes about users and the practice: creation, first run, second factor."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from intramuros import audit
from intramuros.accounts.models import Role, User
from intramuros.core.models import Practice


@transaction.atomic
def user_create(*, actor, username: str, password: str, role: str, first_name: str = "", last_name: str = "",
                email: str = "", title: str = "", specialty: str = "", rpps: str = "",
                is_practice_admin: bool = False, otp_required: bool = False, validate: bool = True) -> User:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user = User(username=username, role=role, first_name=first_name, last_name=last_name, email=email,
                title=title, specialty=specialty, rpps=rpps, is_practice_admin=is_practice_admin,
                otp_required=otp_required)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(actor=actor, action="accounts.user.created", target=user, role=role)
    return user


@transaction.atomic
def practice_setup(*, practice_name: str, username: str, password: str, first_name: str, last_name: str,
                   role: str = Role.PRACTITIONER, title: str = "Dr") -> User:
    """First run: create the practice and its first administrator. Refused once any user exists."""
    if User.objects.exists():
        raise PermissionError("The practice is already set up.")
    Practice.objects.create(name=practice_name)
    return user_create(actor=None, username=username, password=password, role=role, first_name=first_name,
                       last_name=last_name, title=title if role != Role.ADMIN else "",
                       is_practice_admin=True)


def otp_device_start(*, user) -> TOTPDevice:
    """A new, unconfirmed TOTP device (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def otp_device_confirm(*, user, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        audit.record(actor=user, action="accounts.otp.enrol_failed", target=user)
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, action="accounts.otp.enrolled", target=user)
    return True


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="accounts.password.changed", target=user)
