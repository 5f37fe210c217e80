import pytest

from intramuros.audit.testing import ensure_security_middleware


@pytest.fixture(autouse=True)
def _security_middleware(settings):
    ensure_security_middleware(settings)


@pytest.fixture(autouse=True)
def _own_anchor_file(settings, tmp_path):
    """Each test its own anchor file: the database is rolled back between tests, a file is not."""
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchors.log")
