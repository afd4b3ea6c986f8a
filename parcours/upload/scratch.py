"""What earlier versions of Parcours left of uploads in the data folder, swept.

Uploaded files are no longer written anywhere: their bytes stay in memory and go to the checking
process through a pipe (`parcours.upload.isolation`), so only accepted, pseudonymised rows ever
reach the disk. Before, each dashboard upload was copied to a private folder `data/tmp/upload-…`
for the length of its check, and a process killed meanwhile left the copy (names, national
numbers) behind. `sweep` removes every such folder, whatever its age: nothing writes there any
more, so nothing there can belong to an upload in progress. It runs when the dashboard starts
and at the start of every ingest (the CLI's included).
"""

from __future__ import annotations

import logging
import shutil

from parcours.store.datadir import DataDir

log = logging.getLogger(__name__)

PREFIX = "upload-"


def sweep(data_dir: DataDir) -> int:
    """Remove the upload copies (`data/tmp/upload-*`) an older Parcours left; return how many.
    Creates nothing. Other entries of `data/tmp/` are not the upload path's and are left alone."""
    folder = data_dir.tmp
    try:
        entries = [entry for entry in folder.iterdir() if entry.name.startswith(PREFIX)]
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for entry in entries:
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except FileNotFoundError:
            continue  # another process swept it first
        except OSError:
            log.warning("could not sweep %s", entry, exc_info=True)
    return removed
