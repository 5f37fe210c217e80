"""Settings for the test suite: a throw-away data directory per test process."""

import os
import tempfile

# pytest-xdist's workers start with the controller's environment, which already names the directory made here
# in the controller: a directory this file made in another process is not taken, or every worker would share one
# key and document store (one worker's backup restore then set aside the files another was reading).
_MADE = "_INTRAMUROS_TEST_DATA_DIR"  # "pid:directory" (no INTRAMUROS_ prefix: not a setting)
_inherited = os.environ.get(_MADE, "").partition(":")
if "INTRAMUROS_DATA_DIR" not in os.environ or (
        _inherited[2] == os.environ["INTRAMUROS_DATA_DIR"] and _inherited[0] != str(os.getpid())):
    os.environ["INTRAMUROS_DATA_DIR"] = tempfile.mkdtemp(prefix="intramuros-test-")
    os.environ[_MADE] = f"{os.getpid()}:{os.environ['INTRAMUROS_DATA_DIR']}"
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
