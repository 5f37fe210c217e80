import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from intramuros.accounts.models import Role, User
from intramuros.accounts.services import user_create
from intramuros.core.models import Practice


class Command(BaseCommand):
    help = "Create a user (asks for the password when not given on standard input)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, default=Role.PRACTITIONER)
        parser.add_argument("--admin", action="store_true", help="the user also administers the practice")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--title", default="")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        parser.add_argument("--practice-name", default="", help="name of the practice, on first use")

    def handle(self, *args, username, role, admin, first_name, last_name, email, title, password_stdin,
               practice_name, **options):
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named {username} exists already: choose another name.")
        if password_stdin:
            import sys

            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password again: "):
                raise CommandError("The two passwords differ: run the command again.")
        if not Practice.objects.exists():
            Practice.objects.create(name=practice_name or "Cabinet médical")
        try:
            user = user_create(actor="command line", username=username, password=password, role=role,
                               first_name=first_name, last_name=last_name, email=email, title=title,
                               is_practice_admin=admin)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"User {user.username} ({user.get_role_display()}) created."))
