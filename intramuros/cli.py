"""The `intramuros` command: one entry point for the practice's every operation.

Each sub-command is a Django management command of one of Intramuros' apps
(`intramuros backup` runs intramuros/backup/management/commands/backup.py).
Errors are printed as one plain sentence, never as a traceback.
"""

from __future__ import annotations

import os
import sys

# `intramuros check` is the installation check; Django's own `check` keeps its name.
ALIASES = {"check": "healthcheck"}
HIDDEN = {"healthcheck"}


def _take_data_dir(argv: list[str]) -> list[str]:
    """`--data-dir DIR` is understood by every command: it sets INTRAMUROS_DATA_DIR before settings load."""
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--data-dir" and i + 1 < len(argv):
            os.environ["INTRAMUROS_DATA_DIR"] = os.path.abspath(argv[i + 1])
            i += 2
            continue
        if arg.startswith("--data-dir="):
            os.environ["INTRAMUROS_DATA_DIR"] = os.path.abspath(arg.split("=", 1)[1])
            i += 1
            continue
        out.append(arg)
        i += 1
    return out


def _own_commands() -> dict[str, str]:
    from django.core.management import get_commands

    return {name: app for name, app in get_commands().items() if app.startswith("intramuros.")}


def _print_help() -> None:
    from django.core.management import load_command_class

    print("usage: intramuros COMMAND [options]   (intramuros COMMAND --help for its options)\n")
    print("Commands:")
    names = {("check" if n == "healthcheck" else n): (n, app) for n, app in _own_commands().items()}
    for shown in sorted(names):
        name, app = names[shown]
        help_text = (load_command_class(app, name).help or "").strip().splitlines()
        print(f"  {shown:<20} {help_text[0] if help_text else ''}")
    print("\nEvery command accepts --data-dir DIR (default: INTRAMUROS_DATA_DIR or ./data).")
    print("Django's own commands (migrate, shell, ...) are available too.")


def main(argv: list[str] | None = None) -> int:
    argv = _take_data_dir(list(sys.argv[1:] if argv is None else argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intramuros.settings")

    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import CommandError, ManagementUtility
    from django.db import DatabaseError

    try:
        django.setup()
        if not argv or argv[0] in {"-h", "--help", "help"}:
            _print_help()
            return 0
        name = ALIASES.get(argv[0], argv[0])
        command = ManagementUtility(["intramuros", *argv]).fetch_command(name)
        parser = command.create_parser("intramuros", argv[0])
        options = parser.parse_args(argv[1:])
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        command.execute(*args, **cmd_options)
        return 0
    except (ImproperlyConfigured, CommandError) as exc:
        print(f"intramuros: {exc}", file=sys.stderr)
        return getattr(exc, "returncode", 2) or 2
    except DatabaseError as exc:
        print(f"intramuros: the database answered with an error ({exc}). "
              "Run `intramuros check` to see what is wrong.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("intramuros: interrupted.", file=sys.stderr)
        return 130
