"""Creating and checking the data directory. Imports nothing from Django's app registry."""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from intramuros.core import paths
from intramuros.core.keys import ensure_secret_file, read_key_file, write_secret_file


def ensure_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = directory / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The data directory {directory} is not writable ({exc.strerror}): "
            "choose another with --data-dir or INTRAMUROS_DATA_DIR, or fix its permissions."
        ) from None


def initialise_keys(directory: Path) -> list[str]:
    """Create the data directory and its keys where missing. Returns what was created."""
    ensure_writable(directory)
    db_key = paths.db_key_file()
    if db_key.is_symlink() and not db_key.exists():
        # Locked keys not unlocked: a "missing" key file here must never be replaced by a new key.
        read_key_file(db_key)  # raises, saying to unlock first
    created = []
    if ensure_secret_file(paths.secret_key_file(), nbytes=48):
        created.append(f"secret key {paths.secret_key_file()}")
    if not db_key.exists():
        if paths.database_file().exists():
            raise ImproperlyConfigured(
                f"The database {paths.database_file()} exists but its key file {db_key} is missing: "
                "restore the key file from where you keep it (a new key cannot open the old database)."
            )
        ensure_secret_file(db_key)
        created.append(f"database key {db_key}")
    if ensure_secret_file(paths.files_key_file()):
        created.append(f"document key {paths.files_key_file()}")
    paths.documents_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    return created


def ensure_certificate(hostnames: list[str] | None = None) -> tuple[Path, Path, bool]:
    """A self-signed TLS certificate for the practice network, made once."""
    cert_file, key_file = paths.tls_dir() / "cert.pem", paths.tls_dir() / "key.pem"
    if cert_file.exists() and key_file.exists():
        return cert_file, key_file, False
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names = sorted({"localhost", socket.gethostname(), *(hostnames or [])})
    alt: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Intramuros")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    write_secret_file(key_file, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode())
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(cert_file, 0o644)
    return cert_file, key_file, True
