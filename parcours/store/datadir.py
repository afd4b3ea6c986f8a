"""The data folder: everything Parcours writes lives under `$PARCOURS_DATA_DIR` (default ./data).

A fresh folder is created on first use. Secrets are generated there on first use with mode 0600
and never leave it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KINDS = ("participants", "barriers", "partnerships", "milestones", "exits", "followups", "hours")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSFORM_DIR = PROJECT_ROOT / "transform"


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def from_env(cls) -> DataDir:
        root = Path(os.environ.get("PARCOURS_DATA_DIR") or PROJECT_ROOT / "data")
        data_dir = cls(root.resolve())
        data_dir.ensure()
        return data_dir

    def ensure(self) -> None:
        for path in (self.secrets, self.landing, self.registry, self.build_work):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.secrets, 0o700)
        # Imported here: landing needs polars, and settings stays importable without it.
        from parcours.upload.landing import ensure_schema_files

        ensure_schema_files(self)

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

    def secret(self, name: str) -> bytes:
        """Return the named 32-byte secret, creating it (mode 0600) on first use."""
        path = self.secrets / f"{name}.key"
        if not path.exists():
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
            try:
                # link() fails if another process created the key first: theirs wins.
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_bytes()
