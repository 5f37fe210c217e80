"""Lab result files dropped in a folder by the laboratory's client software."""

from __future__ import annotations

import logging
from pathlib import Path

from intramuros.core import paths
from intramuros.core.env import env_path
from intramuros.core.scheduler import periodic

log = logging.getLogger("intramuros.interop")


def lab_drop_dir() -> Path:
    return env_path("INTRAMUROS_LAB_DROP_DIR", paths.data_dir() / "lab-inbox")


def scan_lab_folder(folder: Path | None = None) -> int:
    """Store every file of the folder as a lab message, then move it to `done/` (kept, not deleted)."""
    from intramuros.interop.labs.services import DuplicateMessage, decode, lab_message_receive

    folder = folder or lab_drop_dir()
    if not folder.is_dir():
        return 0
    done = folder / "done"
    done.mkdir(exist_ok=True)
    count = 0
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            lab_message_receive(raw=decode(path.read_bytes()), source=f"file:{path.name}"[:20])
        except DuplicateMessage:
            pass
        except OSError:
            log.exception("cannot read lab file %s", path)
            continue
        path.replace(done / path.name)
        count += 1
    return count


@periodic("interop.lab_drop_folder", every_seconds=60)
def _scan():
    scan_lab_folder()
