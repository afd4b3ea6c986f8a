"""The data folder: everything Parcours writes lives under `$PARCOURS_DATA_DIR` (default ./data).

`DataDir` is pure paths: reading one creates nothing. The commands that write create what they
need (the upload path its landing folders and schema files, the build its work folders,
`store.secrets` the key files), so a dashboard query never touches the disk to find its warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSFORM_DIR = PROJECT_ROOT / "transform"


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def from_env(cls) -> DataDir:
        root = Path(os.environ.get("PARCOURS_DATA_DIR") or PROJECT_ROOT / "data")
        return cls(root.resolve())

    @property
    def ops_db(self) -> Path:
        return self.root / "ops.sqlite"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    def landing_kind(self, kind: str) -> Path:
        return self.landing / kind

    @property
    def registry(self) -> Path:
        return self.root / "build" / "registry"

    @property
    def build_work(self) -> Path:
        return self.root / "build" / "work"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def previous_warehouse(self) -> Path:
        return self.root / "warehouse.previous.duckdb"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def demo(self) -> Path:
        return self.root / "demo"

    @property
    def tmp(self) -> Path:
        """Scratch space. Uploads are no longer copied here (they stay in memory); the copies
        an older Parcours left (`upload-*`) are swept by `parcours.upload.scratch.sweep`."""
        return self.root / "tmp"
