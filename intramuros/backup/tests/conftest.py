import pytest
from pyrage import x25519


@pytest.fixture
def passphrase_file(tmp_path, monkeypatch):
    path = tmp_path / "passphrase.txt"
    path.write_text("a long passphrase kept in the practice safe\n")
    path.chmod(0o600)
    monkeypatch.setenv("INTRAMUROS_BACKUP_PASSPHRASE_FILE", str(path))
    monkeypatch.delenv("INTRAMUROS_BACKUP_RECIPIENT", raising=False)
    return path


@pytest.fixture
def practice_identity(tmp_path, monkeypatch):
    """The practice's stored-away key: archives are encrypted to its public half."""
    identity = x25519.Identity.generate()
    path = tmp_path / "practice-backup.key"
    path.write_text(f"{identity}\n")
    monkeypatch.setenv("INTRAMUROS_BACKUP_RECIPIENT", str(identity.to_public()))
    monkeypatch.delenv("INTRAMUROS_BACKUP_PASSPHRASE_FILE", raising=False)
    return path


@pytest.fixture
def destinations(tmp_path):
    dirs = [tmp_path / "usb", tmp_path / "nas"]
    for d in dirs:
        d.mkdir()
    return dirs


@pytest.fixture(autouse=True)
def own_documents_dir(tmp_path, monkeypatch):
    """Each test's own document store: the shared one holds files left by other apps' tests in this process,
    which a backup rightly includes."""
    from intramuros.core import paths

    folder = tmp_path / "documents"
    folder.mkdir()
    monkeypatch.setattr(paths, "documents_dir", lambda: folder)
    return folder
