"""Backup, verification, restore, pruning and upgrade: the write paths of the backup app.

Commands, the scheduled job and the pages all call these functions.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyrage
from django.db import connection, connections
from django.utils import timezone

from intramuros import audit
from intramuros.audit.services import anchor_file, anchor_file_reset
from intramuros.backup import archive, crypto, reader, retention, snapshot
from intramuros.backup.models import BackupRun
from intramuros.core import paths
from intramuros.core.datadir import ensure_certificate
from intramuros.core.db.sqlcipher import pageformat
from intramuros.core.env import env_list
from intramuros.core.files import fsync_directory
from intramuros.core.keys import ensure_secret_file, read_key_file, write_secret_file

log = logging.getLogger("intramuros.backup")
FRESH_HOURS = 36  # the home page turns red when no verified backup is younger than this
SCHEDULE_AFTER_HOURS = 20  # the daily job backs up when the last verified backup is older than this


class BackupError(Exception):
    """A backup, verification or restore could not be done; the message says why and what to do."""


def _progress(total: int, enabled: bool, label: str):
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, desc=label,
                disable=not enabled, leave=False)


def lower_priority() -> None:
    """Backups run beside the practice's work: give the CPU to the web server first (nice 10).

    Called by the backup command, the scheduled job and the task (the worker process, never the web server's).
    """
    with contextlib.suppress(OSError, AttributeError):
        if os.getpriority(os.PRIO_PROCESS, 0) < 10:
            os.nice(10 - os.getpriority(os.PRIO_PROCESS, 0))


def configured_destinations() -> list[Path]:
    return [Path(d).expanduser() for d in env_list("INTRAMUROS_BACKUP_DIRS", [])]


def scratch_dir() -> Path:
    """Scratch space on the data directory's disk, readable by its owner only."""
    base = paths.data_dir() / "tmp"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return Path(tempfile.mkdtemp(prefix="backup-", dir=base))


def _software_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("intramuros")
    except PackageNotFoundError:
        return "unknown"


def _applied_migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return latest


@dataclass
class BackupResult:
    name: str
    written: dict[Path, Path]
    failures: dict[Path, str]
    runs: list[BackupRun]
    manifest: dict
    size: int
    seconds: float

    @property
    def verified(self) -> bool:
        return bool(self.runs) and all(r.is_verified for r in self.runs if r.written)


def backup_create(*, destinations: list[Path], kind: str = BackupRun.Kind.MANUAL, actor=None,
                  include_db_key: bool = False, verify: bool = True, progress: bool = False,
                  require_practice_key: bool = True) -> BackupResult:
    """Write one encrypted archive of the whole practice to every destination, then restore-test each copy."""
    if not destinations:
        raise BackupError("No backup destination: give --to DIR or set INTRAMUROS_BACKUP_DIRS "
                          "(comma-separated directories, e.g. a USB disk and a NAS share).")
    try:
        plan = crypto.plan_from_settings(require_practice_key=require_practice_key)
    except crypto.BackupKeyError as exc:
        raise BackupError(str(exc)) from None
    destinations = [Path(d).expanduser().absolute() for d in destinations]
    started, clock = timezone.now(), time.monotonic()
    name = archive.archive_name()
    for later in range(1, 60):  # two backups within the same second: never replace an existing archive
        if not any((d / name).exists() for d in destinations):
            break
        name = archive.archive_name(time.time() + later)
    work = scratch_dir()
    try:
        try:
            copy = snapshot.copy_database(work)
        except snapshot.SnapshotError as exc:
            raise BackupError(f"The database could not be copied: {exc}.") from None
        contents = archive.Contents(
            database_path=copy.path, database_engine=copy.engine, database_key=copy.key, tables=copy.tables,
            files_key=read_key_file(paths.files_key_file(), what="document key"),
            db_key=read_key_file(paths.db_key_file()) if include_db_key and copy.engine == "sqlcipher" else None,
            created_at=started.isoformat(), software_version=_software_version(),
            migrations=_applied_migrations(), audit_anchors=_read_anchor_file(),
        )
        total = copy.path.stat().st_size + sum(p.stat().st_size for _r, p in archive.document_files())
        manifest: dict = {}
        try:
            writer = archive.DestinationWriter(destinations, name)
        except OSError as exc:
            _record_failures(started, kind, name, actor, {d: str(exc) for d in destinations})
            raise BackupError(f"No destination can be written: {exc}. Earlier backups were not touched.") from None
        with _progress(total, progress, "backup") as bar:
            def produce(out):
                manifest.update(archive.write_tar(out, contents, bar.update))

            try:
                crypto.encrypt_stream(produce, writer, plan)
            except BaseException as exc:
                writer.abort()
                _record_failures(started, kind, name, actor, {**writer.failures, **{
                    d: f"interrupted: {exc}" for d in destinations if d not in writer.failures}})
                if isinstance(exc, OSError | pyrage.EncryptError):
                    reason = writer.summary() or str(exc)
                    raise BackupError(f"The backup could not be written: {reason}. Earlier backups were not "
                                      "touched.") from None
                raise
        written = writer.commit()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - clock
    summary = {"tables": len(manifest["database"]["tables"]), "rows": sum(manifest["database"]["tables"].values()),
               "documents": manifest["documents"]["count"], "engine": manifest["database"]["engine"],
               "encrypted_to": plan.description, "db_key_included": bool(contents.db_key)}
    runs = _record_failures(started, kind, name, actor, writer.failures)
    for directory, final in written.items():
        runs.append(BackupRun.objects.create(
            started_at=started, kind=kind, destination=str(directory), archive_name=name,
            size_bytes=final.stat().st_size, duration_seconds=round(seconds, 2), written=True,
            summary=summary, requested_by=actor if getattr(actor, "is_authenticated", False) else None))
    audit.record(actor=actor, action="backup.archive.created", name=name,
                 destinations=[str(d) for d in written], failed=[str(d) for d in writer.failures],
                 db_key_included=bool(contents.db_key))
    result = BackupResult(name, written, dict(writer.failures), runs, manifest, writer.size, seconds)
    if verify:
        for run in runs:
            if run.written:
                verify_run(run)
    if not written:
        raise BackupError("The backup was written nowhere: " + "; ".join(writer.failures.values())
                          + ". Earlier backups were not touched.")
    return result


def _read_anchor_file() -> bytes | None:
    try:
        return anchor_file().read_bytes()
    except FileNotFoundError:  # no anchor written yet
        return None


def _record_failures(started, kind, name, actor, failures: dict[Path, str]) -> list[BackupRun]:
    return [BackupRun.objects.create(
        started_at=started, kind=kind, destination=str(d), archive_name=name, written=False,
        verification=BackupRun.Verification.FAILED, message=str(message)[:2000],
        requested_by=actor if getattr(actor, "is_authenticated", False) else None) for d, message in failures.items()]


@dataclass
class VerifyReport:
    archive: Path
    problems: list[str]
    manifest: dict | None
    seconds: float
    bytes_read: int

    @property
    def ok(self) -> bool:
        return not self.problems


def _default_keys(identity_files, passphrase_file):
    identities = []
    passphrase = None
    if identity_files or passphrase_file:
        for f in identity_files or []:
            identities += crypto.read_identity_file(Path(f))
        if passphrase_file:
            passphrase = crypto.read_passphrase_file(Path(passphrase_file))
        return identities, passphrase
    own = crypto.machine_identity(create=False)
    if own is not None:
        return [own], None  # every archive made here opens with it, without a slow passphrase derivation
    env_file = os.environ.get("INTRAMUROS_BACKUP_PASSPHRASE_FILE", "").strip()
    if env_file:
        passphrase = crypto.read_passphrase_file(Path(env_file))
    return identities, passphrase


def backup_verify(*, archive_path: Path, identity_files: list[Path] | None = None,
                  passphrase_file: Path | None = None, progress: bool = False) -> VerifyReport:
    """Restore the archive into a scratch directory and check it: integrity, counts, every document's hash."""
    clock = time.monotonic()
    work = scratch_dir()
    try:
        try:
            identities, passphrase = _default_keys(identity_files, passphrase_file)
        except crypto.BackupKeyError as exc:
            raise BackupError(str(exc)) from None
        size = archive_path.stat().st_size if archive_path.exists() else 0
        with _progress(size, progress, "verify") as bar:
            try:
                unpacked = reader.unpack(archive_path, work, identities=identities, passphrase=passphrase,
                                         keep_documents=False, on_bytes=bar.update)
            except crypto.BackupKeyError as exc:
                raise BackupError(str(exc)) from None
            except (crypto.ArchiveDamaged, OSError) as exc:
                return VerifyReport(archive_path, [str(exc)], None, time.monotonic() - clock, 0)
            problems = reader.check(unpacked)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return VerifyReport(archive_path, problems, unpacked.manifest, time.monotonic() - clock, unpacked.bytes_read)


def verify_run(run: BackupRun) -> BackupRun:
    """The restore test after a backup: a backup that was never restored is not counted."""
    try:
        report = backup_verify(archive_path=Path(run.archive_path))
        problems = report.problems
    except BackupError as exc:
        problems = [str(exc)]
    run.verified_at = timezone.now()
    if problems:
        run.verification = BackupRun.Verification.FAILED
        run.message = ("Verification failed: " + "; ".join(problems))[:2000]
        log.error("backup %s failed its verification: %s", run.archive_path, run.message)
    else:
        run.verification = BackupRun.Verification.OK
        run.message = "Restored into a scratch directory and checked."
    run.save(update_fields=["verification", "verified_at", "message"])
    return run


@dataclass
class RestoreReport:
    manifest: dict
    data_dir: Path
    key_origin: str
    set_aside: Path | None
    settings: dict = field(default_factory=dict)


def _data_dir_in_use(data_dir: Path) -> bool:
    return data_dir.is_dir() and any(p.name != "tmp" for p in data_dir.iterdir())


def backup_restore(*, archive_path: Path, identity_files: list[Path] | None = None,
                   passphrase_file: Path | None = None, force: bool = False, progress: bool = False,
                   actor=None) -> RestoreReport:
    """Bring the practice back from an archive into the configured data directory (and database)."""
    data_dir = paths.data_dir()
    if _data_dir_in_use(data_dir) and not force:
        raise BackupError(f"The data directory {data_dir} is not empty: restore into an empty directory "
                          "(--data-dir DIR), or add --force to set its current content aside and replace it.")
    try:
        identities, passphrase = _default_keys(identity_files, passphrase_file)
    except crypto.BackupKeyError as exc:
        raise BackupError(str(exc)) from None
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = data_dir / f".restore-{secrets.token_hex(4)}"
    try:
        with _progress(archive_path.stat().st_size if archive_path.exists() else 0, progress, "restore") as bar:
            try:
                unpacked = reader.unpack(archive_path, staging, identities=identities, passphrase=passphrase,
                                         keep_documents=True, on_bytes=bar.update)
            except (crypto.BackupKeyError, crypto.ArchiveDamaged) as exc:
                text = str(exc).rstrip(".")
                raise BackupError(f"{text[:1].upper()}{text[1:]}. Nothing was changed.") from None
        problems = reader.check(unpacked)
        if problems:
            raise BackupError("The archive is damaged: " + "; ".join(problems) + ". Nothing was changed.")
        engine = unpacked.manifest["database"]["engine"]
        live_engine = "postgresql" if connection.vendor == "postgresql" else "sqlcipher"
        if engine != live_engine:
            raise BackupError(f"This archive holds a {engine} database but this installation uses {live_engine}: "
                              "set or unset INTRAMUROS_DATABASE_URL to match. Nothing was changed.")
        report = _put_in_place(unpacked, data_dir, engine)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # The archived anchor file may name rows written after the database copy (or, from an older archive,
    # none at all): set it aside, kept, and start a new one from the restored log's anchors, so that
    # `intramuros audit verify` holds from here on.
    anchor_file_reset(actor=actor or "restore", reason=f"restored from {archive_path.name}")
    audit.record(actor=actor, action="backup.archive.restored", archive=archive_path.name,
                 created_at=report.manifest["created_at"], key=report.key_origin)
    return report


def _set_aside_folder(data_dir: Path) -> Path:
    """A new owner-only folder before-restore-<time to the second> for the files a restore replaces; -2, -3...
    when a restore begun in the same second took the name (creating the folder claims it, even across processes).
    """
    name = f"before-restore-{time.strftime('%Y%m%dT%H%M%S')}"
    aside, n = data_dir / name, 1
    while True:
        try:
            aside.mkdir(mode=0o700)
            return aside
        except FileExistsError:
            n += 1
            aside = data_dir / f"{name}-{n}"


def _put_in_place(unpacked: reader.Unpacked, data_dir: Path, engine: str) -> RestoreReport:
    connections.close_all()  # no connection may keep the old database file (or its -wal) open
    db_key_file = paths.db_key_file()
    if unpacked.db_key:
        db_key, origin = unpacked.db_key, "the archive's database key"
    elif db_key_file.exists():
        db_key, origin = read_key_file(db_key_file), "this machine's database key"
    else:
        db_key, origin = secrets.token_hex(32), f"a new database key in {db_key_file}"
    aside = None
    olds = [data_dir / n for n in ("intramuros.db", "intramuros.db-wal", "intramuros.db-shm")]
    olds += [paths.documents_dir(), paths.files_key_file(), anchor_file()]  # the folder replaced below
    if any(p.exists() for p in olds):
        aside = _set_aside_folder(data_dir)
        for old in olds:
            if old.exists():
                os.replace(old, aside / old.name)
        if db_key_file.exists():
            shutil.copy2(db_key_file, aside / db_key_file.name)
    if engine == "sqlcipher":
        snapshot.rekey_sqlcipher_copy(unpacked.database_path, unpacked.manifest["database"]["copy_key"], db_key)
        if not db_key_file.exists() or read_key_file(db_key_file) != db_key:
            write_secret_file(db_key_file, db_key + "\n")
        os.chmod(unpacked.database_path, 0o600)
        os.replace(unpacked.database_path, paths.database_file())
    else:
        try:
            snapshot.restore_pg_dump(unpacked.database_path)
        except snapshot.SnapshotError as exc:
            raise BackupError(f"{exc}. The database was left as it was.") from None
        origin = "the PostgreSQL server's own access"
    write_secret_file(paths.files_key_file(), unpacked.files_key + "\n")
    documents = unpacked.workdir / "documents"
    if documents.is_dir():
        os.replace(documents, paths.documents_dir())
    paths.documents_dir().mkdir(exist_ok=True, mode=0o700)
    if unpacked.audit_anchors_path is not None:
        anchor_file().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.move(unpacked.audit_anchors_path, anchor_file())
    ensure_secret_file(paths.secret_key_file(), nbytes=48)
    ensure_certificate()  # a certificate for this machine (the old one's private key is not in the archive)
    (data_dir / "restored-settings.json").write_text(json.dumps(unpacked.config, indent=1))
    fsync_directory(data_dir)
    return RestoreReport(unpacked.manifest, data_dir, origin, aside, unpacked.config)


def archives_in(directory: Path) -> dict[datetime.datetime, Path]:
    found = {}
    for path in directory.glob(f"{archive.ARCHIVE_PREFIX}*{archive.ARCHIVE_SUFFIX}"):
        stamp = path.name[len(archive.ARCHIVE_PREFIX):-len(archive.ARCHIVE_SUFFIX)]
        with contextlib.suppress(ValueError):
            found[datetime.datetime.strptime(stamp, archive.NAME_TIME_FORMAT).replace(tzinfo=datetime.UTC)] = path
    return found


def backup_prune(*, directory: Path, actor=None) -> list[Path]:
    """Apply the retention rules to the verified archives of one destination; returns what was removed.

    Only archives this installation verified are counted and pruned; an archive that failed its
    verification is removed once a newer verified one exists; files it does not know are left alone.
    Removing archives removes copies of patient data: audited (one row per destination that lost any).
    """
    found = archives_in(directory)
    runs = BackupRun.objects.filter(destination=str(directory), archive_name__in=[p.name for p in found.values()])
    status = {r.archive_name: r.verification for r in runs}
    verified = {t: p for t, p in found.items() if status.get(p.name) == BackupRun.Verification.OK}
    kept = retention.keep(verified)
    newest = max(verified, default=None)
    removed = []
    for t, path in found.items():
        state = status.get(path.name)
        drop = (state == BackupRun.Verification.OK and t not in kept) or (
            state == BackupRun.Verification.FAILED and newest is not None and t < newest)
        if drop:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path)
    if removed:
        audit.record(actor=actor, action="backup.archive.pruned", directory=str(directory),
                     removed=[p.name for p in removed])
    return removed


def backup_scheduled(*, now: datetime.datetime | None = None) -> BackupResult | None:
    """The daily job: back up when the last verified backup is older than a day, restore-test it, prune."""
    now = now or timezone.now()
    destinations = configured_destinations()
    if not destinations:
        log.warning("no backup destination is set (INTRAMUROS_BACKUP_DIRS): no scheduled backup")
        return None
    recent = BackupRun.objects.filter(verification=BackupRun.Verification.OK,
                                      started_at__gte=now - datetime.timedelta(hours=SCHEDULE_AFTER_HOURS))
    if recent.exists():
        return None
    try:
        result = backup_create(destinations=destinations, kind=BackupRun.Kind.SCHEDULED)
    except BackupError as exc:
        log.error("scheduled backup failed: %s", exc)
        return None
    for directory in result.written:
        backup_prune(directory=directory)
    return result


def backup_request(*, actor) -> None:
    """'Back up now' from the page: queued for the worker, which runs it like the scheduled one."""
    from intramuros.backup.tasks import run_backup_now

    audit.record(actor=actor, action="backup.archive.requested")
    run_backup_now.enqueue(user_id=actor.pk)


class UpgradeFailed(Exception):
    pass


def upgrade_run(*, migrate, say=print, progress: bool = False) -> str:
    """Back up, migrate, and if the migration fails put the backup back by itself."""
    from intramuros.core.database import convert_page_format, legacy_page_format, pending_migrations

    pending = pending_migrations()
    legacy = legacy_page_format()
    if not pending and not legacy:
        return "The database is up to date: nothing to do."
    target = paths.data_dir() / "backups" / "before-upgrade"
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = [f"{len(pending)} migration(s) to apply"] if pending else []
    work += ["the database file to convert to a faster format"] if legacy else []
    say(f"To do: {', '.join(work)}; backing up first to {target} ...")
    result = backup_create(destinations=[target], kind=BackupRun.Kind.UPGRADE, progress=progress,
                           require_practice_key=False)
    if not result.verified:
        raise UpgradeFailed("The backup taken before the upgrade failed its verification: nothing was migrated. "
                            + "; ".join(r.message for r in result.runs))
    archive_path = result.written[target.absolute()]
    if legacy:
        say(f"Backup verified ({archive_path.name}); converting the database file ...")
        try:
            convert_page_format()  # the old file stays in place until the new one is complete and checked
        except pageformat.ConversionError as exc:
            raise UpgradeFailed(f"{exc} Nothing was changed.") from None
        audit.record(actor=None, action="backup.upgrade.converted", format=pageformat.CURRENT,
                     archive=archive_path.name)
        if not pending:
            return f"Upgraded: the database file converted. The backup taken before is {archive_path}."
    say("Database file converted; migrating ..." if legacy else f"Backup verified ({archive_path.name}); migrating ...")
    try:
        migrate()
    except Exception as exc:
        say(f"The migration failed ({exc}); putting the backup back ...")
        connections.close_all()
        backup_restore(archive_path=archive_path, force=True, identity_files=None, passphrase_file=None)
        raise UpgradeFailed(f"The migration failed ({exc}). The practice's data was restored as it was before the "
                            f"upgrade from {archive_path}; report the error to your support.") from exc
    audit.record(actor=None, action="backup.upgrade.done", migrations=pending[:50], archive=archive_path.name)
    converted = ", the database file converted" if legacy else ""
    return f"Upgraded: {len(pending)} migration(s) applied{converted}. The backup taken before is {archive_path}."
