"""Password strength measured offline with zxcvbn."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn


class StrengthValidator:
    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password, user=None):
        inputs = [v for v in (getattr(user, "username", ""), getattr(user, "last_name", "")) if v]
        result = zxcvbn(password[:72], user_inputs=inputs)  # zxcvbn refuses longer input; 72 characters decide
        if result["score"] < self.min_score:
            hint = result["feedback"].get("warning") or ""
            raise ValidationError(
                _("This password is too easy to guess. Use a longer phrase of unrelated words. %(hint)s")
                % {"hint": hint},
                code="password_too_weak",
            )

    def get_help_text(self):
        return _("Your password must be hard to guess: a phrase of several unrelated words works well.")
