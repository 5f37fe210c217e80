"""Fixtures shared by every test: the named personas and the outbound-connection guard."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from intramuros.testing import netguard

netguard.install()
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # pytest-django's live_server with Playwright


@pytest.fixture(autouse=True)
def _fresh_settings_rows():
    """Each test's rolled-back transaction may leave a settings row in the per-process cache: start clean."""
    from intramuros.core import rowcache

    rowcache.clear()
    yield
    rowcache.clear()


# What makes `intramuros init` write outside the data directory: tables in another database, a key file elsewhere.
_INIT_ELSEWHERE = ("INTRAMUROS_DATABASE_URL", "INTRAMUROS_DB_KEY_FILE")


@pytest.fixture(scope="session")
def initialised_data_dir(tmp_path_factory):
    """`make(dest, env=None)`: `dest` becomes a data directory as `intramuros init` leaves it; returns `dest`.

    `init` costs ~10 s of CPU (Django renders the state of every migration), so it runs once per test process
    into a template and each request gets a copy of that tree (modes kept: keys 0600, directories 0700). The
    directory holds no absolute path and the database is closed (no -wal/-shm), so a copy is a practice of its
    own, only sharing the template's keys and certificate. For tests whose subject is `init`, run it instead.
    `env` is the environment the test runs its commands with: when it points `init` elsewhere (PostgreSQL, a
    key file outside the directory) the copy would not be equivalent, and the real `init` runs in `dest`.
    """
    template = None

    def init(dest, env):
        result = subprocess.run([sys.executable, "-m", "intramuros", "--data-dir", str(dest), "init"], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr

    def make(dest, env=None):
        nonlocal template
        dest = Path(dest)
        if env is not None and any(env.get(name) for name in _INIT_ELSEWHERE):
            init(dest, env)
            return dest
        if template is None:
            template = tmp_path_factory.mktemp("initialised") / "data"
            init(template, {k: v for k, v in os.environ.items() if not k.startswith(("INTRAMUROS_", "DJANGO_"))})
            open_files = [p.name for p in template.iterdir() if p.name.endswith(("-wal", "-shm", "-journal"))]
            assert not open_files, f"init left the database open: {open_files}"
        shutil.copytree(template, dest, symlinks=True, dirs_exist_ok=True)  # copy2: modes and times kept
        return dest

    return make


@pytest.fixture
def practice(db):
    from intramuros.testing.personas import make_practice

    return make_practice()


@pytest.fixture
def dr_alice(db):
    """Practice owner: practitioner and administrator."""
    from intramuros.testing.personas import make_user

    return make_user("alice", "practitioner", admin=True, title="Dr", first="Alice", last="Bernard",
                     specialty="Médecine générale", rpps="10001234567")


@pytest.fixture
def dr_charlie(db):
    """Another practitioner of the practice."""
    from intramuros.testing.personas import make_user

    return make_user("charlie", "practitioner", title="Dr", first="Charles", last="Lemaire", specialty="Pédiatrie",
                     rpps="10007654321")


@pytest.fixture
def bob_secretary(db):
    """Front desk: agenda and identity, never clinical content."""
    from intramuros.testing.personas import make_user

    return make_user("bob", "secretary", first="Bob", last="Garnier")


@pytest.fixture
def dr_remy_replacement(db):
    from intramuros.testing.personas import make_user

    return make_user("remy", "replacement", title="Dr", first="Rémy", last="Petit")


@pytest.fixture
def admin_eve(db):
    """Administrator without medical access (IT-minded staff)."""
    from intramuros.testing.personas import make_user

    return make_user("eve", "admin", first="Eve", last="Admin")


@pytest.fixture
def jeanne_martin(db, dr_alice):
    from intramuros.testing.personas import make_patient

    return make_patient(referring_practitioner=dr_alice)


@pytest.fixture
def paul_durand(db, dr_charlie):
    import datetime

    from intramuros.testing.personas import make_patient

    return make_patient(birth_name="Durand", first_names="Paul Émile", sex="M", birth_date=datetime.date(2019, 6, 2),
                        nir="119067510854397", phone_mobile="07 98 76 54 32", referring_practitioner=dr_charlie)


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(client, dr_alice):
    return _login(client, dr_alice)


@pytest.fixture
def bob_client(client, bob_secretary):
    return _login(client, bob_secretary)


@pytest.fixture
def charlie_client(client, dr_charlie):
    return _login(client, dr_charlie)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from intramuros.testing.browser import ARGS, ensure_chromium

    executable = ensure_chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page; `page.base_url` is the live server's address."""
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
