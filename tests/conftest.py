"""Fixtures of the project-wide security tests."""

import pytest

from intramuros.audit.testing import ensure_security_middleware


@pytest.fixture(autouse=True)
def _security_middleware(settings):
    ensure_security_middleware(settings)
