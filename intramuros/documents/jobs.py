"""Periodic jobs of the documents app."""

from intramuros.core.scheduler import periodic
from intramuros.documents.dropfolder import scan_drop_folder


@periodic("documents.drop_folder", 30)
def drop_folder_scan():
    """Pick up the scanner's files every 30 seconds."""
    return scan_drop_folder()
