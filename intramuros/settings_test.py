"""Settings for the test suite: a throw-away data directory per test process."""

import os
import tempfile

if "INTRAMUROS_DATA_DIR" not in os.environ:
    os.environ["INTRAMUROS_DATA_DIR"] = tempfile.mkdtemp(prefix="intramuros-test-")
os.environ.setdefault("INTRAMUROS_HTTPS", "0")

from intramuros.core.datadir import initialise_keys  # noqa: E402
from intramuros.core.paths import data_dir  # noqa: E402

initialise_keys(data_dir())

from intramuros.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses argon2
AXES_ENABLED = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

if DATABASES["default"]["ENGINE"].endswith("sqlcipher"):  # noqa: F405
    # In memory, one per test process (pytest-django leaves ":memory:" alone when it adds its -n suffixes).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405

AUDIT_ANCHOR_EVERY = 10**9  # anchors are tested explicitly; a stray anchor line would outlive a rolled-back test
