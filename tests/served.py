"""The dashboard served for real (`streamlit run`) on a data folder, for the browser tests: one
way to start it, wait for its health check and stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from parcours.store.datadir import PROJECT_ROOT, DataDir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    data_dir: DataDir
    process: subprocess.Popen
    log: Path
    env: dict = field(default_factory=dict)

    def audit(self, action: str | None = None) -> list[dict]:
        from parcours.store import opstore

        with opstore.connected(self.data_dir.ops_db) as conn:
            return opstore.list_audit(conn, action)


def start_server(
    root: Path,
    log: Path,
    extra_env: dict | None = None,
    args=(),
    port: int | None = None,
    *,
    script: str = "serve.py",
    start_within_s: float = 90,
    checkout: Path = PROJECT_ROOT,
) -> Server:
    """`streamlit run <script>` (serve.py: app.py behind its access gate, as in production) on
    the data folder `root`, its output in `log`; returns once its health check answers.
    `checkout`: the code to serve (another checkout's, for a before/after benchmark)."""
    port = port or free_port()
    env = {**os.environ, "PARCOURS_DATA_DIR": str(root), **(extra_env or {})}
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *args,
        ],
        cwd=checkout,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_within_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start; see {log}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    return Server(url, DataDir(root), process, log, env)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
