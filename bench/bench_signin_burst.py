"""Memory of the served dashboard under a burst of concurrent sign-ins (issue 15: 40 attempts at
once took the server from 550 MB to 1.4 GB, argon2 hashing 64 MiB each).

Starts `streamlit run serve.py` on a copy of a data folder twice, in the same run: once with the
hashing cap as shipped (PARCOURS_MAX_CONCURRENT_SIGNINS unset: 2) and once with the cap lifted
(40, the baseline), each time behind a "trusted proxy" (PARCOURS_TRUSTED_PROXIES=127.0.0.1) so
that 40 raw websocket clients with 40 forwarded addresses are 40 clients, none throttled. Prints
the server's resident memory before the burst and its peak during it (from /proc), and how the
attempts ended.

    PYTHONPATH=$PWD python bench/bench_signin_burst.py DATA_FOLDER [--clients 40]

DATA_FOLDER: a data folder with users (e.g. after `parcours demo`); it is copied, never changed.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

from tests.security.streamlit_ws import StreamlitClient, text_value, trigger
from tests.served import start_server, stop_server


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def burst(data: Path, clients: int, cap: int | None) -> dict:
    env = {"PARCOURS_TRUSTED_PROXIES": "127.0.0.1"}
    if cap is not None:
        env["PARCOURS_MAX_CONCURRENT_SIGNINS"] = str(cap)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        shutil.copytree(data, root)
        server = start_server(root, Path(tmp) / "server.log", env)
        try:
            pid = server.process.pid
            connections = []
            forms = []
            for n in range(clients):
                forwarded = f"203.0.{n // 250}.{n % 250 + 1}"
                client = StreamlitClient(server.url, headers={"X-Forwarded-For": forwarded})
                connections.append(client)
                forms.append(client.run())
            time.sleep(2)
            before = rss_mb(pid)
            peak = before
            outcomes: list[str] = []
            barrier = threading.Barrier(clients)

            def attempt(n: int) -> None:
                form = forms[n]
                widgets = [
                    text_value(form.widgets["Adresse e-mail"][1], f"personne{n}@exemple.be"),
                    text_value(form.widgets["Mot de passe"][1], "un-mot-de-passe"),
                    trigger(form.widgets["Se connecter"][1]),
                ]
                barrier.wait()
                try:
                    run = connections[n].run(widgets, timeout=600)
                except Exception:  # noqa: BLE001 — counted, the burst goes on
                    outcomes.append("erreur")
                    return
                outcomes.append(
                    "occupé"
                    if run.says("dans un instant")
                    else "freiné"
                    if run.says("Trop de tentatives")
                    else "vérifié"
                )

            threads = [threading.Thread(target=attempt, args=(n,)) for n in range(clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            while any(t.is_alive() for t in threads):
                peak = max(peak, rss_mb(pid))
                time.sleep(0.05)
            seconds = time.monotonic() - started
            for client in connections:
                client.close()
        finally:
            stop_server(server)
    return {
        "before": before,
        "peak": peak,
        "seconds": seconds,
        **{k: outcomes.count(k) for k in ("vérifié", "occupé", "freiné", "erreur")},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--clients", type=int, default=40)
    args = parser.parse_args()
    for label, cap in (("sans plafond (baseline, 40)", 40), ("plafond livré (2)", None)):
        found = burst(args.data, args.clients, cap)
        print(
            f"{label}: {found['before']:.0f} Mo avant, pic {found['peak']:.0f} Mo "
            f"(+{found['peak'] - found['before']:.0f} Mo), {found['seconds']:.1f} s ; "
            f"vérifiés {found['vérifié']}, occupés {found['occupé']}, freinés {found['freiné']}, "
            f"erreurs {found['erreur']}"
        )


if __name__ == "__main__":
    main()
