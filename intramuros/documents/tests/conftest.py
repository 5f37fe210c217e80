import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source messages; one test checks the French ones explicitly."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
