"""Fixtures of the prescriptions tests: the sample catalogue and the interaction thesaurus."""

from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def catalogue(db):
    from intramuros.prescriptions.importer import import_directory

    return import_directory(SAMPLES / "good")


@pytest.fixture
def thesaurus(db):
    from intramuros.prescriptions.thesaurus import load_thesaurus

    load_thesaurus()


@pytest.fixture
def drug(catalogue):
    from intramuros.prescriptions.models import Drug

    def get(cis):
        return Drug.objects.get(cis=cis)

    return get


@pytest.fixture(autouse=True)
def _fresh_thesaurus_cache():
    """The thesaurus index is cached per process; each test has its own database."""
    from intramuros.prescriptions.thesaurus import Index

    Index.invalidate()
    yield
    Index.invalidate()
