"""Many people at once: N signed-in sessions of one federation user walking the analytical pages
of one served dashboard (`streamlit run serve.py`), through raw websocket clients
(`tests/security/streamlit_ws.py`), against one session alone measured in the same run.

Issue 17, item 5. Goal: 20 sessions, during a build too, 0 errors and p95 ≤ 2 s per page run.

    PYTHONPATH=$PWD python bench/bench_load.py --source /tmp/bench1x            # 1 then 20
    PYTHONPATH=$PWD python bench/bench_load.py --source /tmp/bench1x --sessions 20 --rounds 2
    PYTHONPATH=$PWD python bench/bench_load.py --source /tmp/bench1x --during-build

- The data folder is copied (never changed) into a temporary folder; a federation user of the
  largest federation is added there (all sessions sign in as that user: one scope).
- Each phase starts its own server on that copy (cold caches, as after a restart): first one
  session alone (the baseline), then N sessions at once. Every session signs in, then walks
  every analytical page `--rounds` times, each session starting at a different page (people do
  not all click in step). A page run is timed from the request to Streamlit's
  « script finished »; what it drew is checked: an exception, a timeout or the dashboard's
  French section error (« Impossible d'afficher … ») counts as an error.
- `--during-build`: the N sessions walk while `parcours build` rebuilds the same data folder
  (a full build, swapped in at its end: the sessions read the old warehouse, then the new one);
  the walk goes on until the build is over, at least `--rounds` rounds.
- Prints p50/p95 per page and overall, the errors, the server's CPU seconds (from /proc) and
  the load average beside every wall time; exit status 1 when the N-session phase is over the
  goal or had errors.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.security.streamlit_ws import StreamlitClient, sign_in, signed_in  # noqa: E402
from tests.served import start_server as serve  # noqa: E402
from tests.served import stop_server  # noqa: E402

PASSWORD = "bench-motdepasse"
EMAIL = "bench-federation@parcours.be"
GOAL_P95 = 2.0  # seconds, per page run, with N sessions at once
# The analytical pages a federation user walks (url path → title for the table).
PAGES = ["accueil", "freins", "partenariats", "resultats", "trajectoires"]
SECTION_ERROR = "Impossible d'afficher"


@dataclass
class Phase:
    label: str
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # load average (1 min) at the start and the end
    runs: int = 0
    later: list[float] = field(default_factory=list)  # page runs after each session's first round
    after_swap: list[float] = field(default_factory=list)  # the round right after a swap (--swap)
    peak_mb: float = 0.0  # the servers' peak resident memory (VmHWM), summed over processes

    def all_times(self) -> list[float]:
        return [t for page in self.times.values() for t in page]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def prepare(source: Path) -> Path:
    work = Path(tempfile.mkdtemp(prefix="parcours-bench-load-")) / "data"
    shutil.copytree(
        source,
        work,
        ignore=shutil.ignore_patterns("warehouse.previous.duckdb", "demo", "work", "spill"),
    )
    return work


def add_user(root: Path) -> str:
    import contextlib

    import duckdb

    from parcours.core.errors import ParcoursError
    from parcours.store import users as auth
    from parcours.store.datadir import DataDir

    data_dir = DataDir(root)
    con = duckdb.connect()
    con.execute("attach ? as w (read_only)", [str(data_dir.warehouse)])
    federation = con.sql(
        "select c.federation from w.dim_participants p join w.dim_centres c using (centre_id) "
        "group by 1 order by count(*) desc, 1 limit 1"
    ).fetchall()[0][0]
    con.close()
    with contextlib.suppress(ParcoursError):  # already there (a copied bench folder)
        auth.add_user(data_dir, EMAIL, PASSWORD, "federation", federation=federation)
    return federation


def start_server(root: Path, log: Path, env: dict, checkout: Path):
    """The dashboard of `checkout` (this one, or another to compare: its own code first on the
    path) served on the data folder `root` (`tests.served`); returns once it answers."""
    return serve(
        root, log, {"PYTHONPATH": str(checkout), **env}, checkout=checkout, start_within_s=120
    )


def peak_memory_mb(pid: int) -> float:
    """The peak resident memory of a process so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_session(url: str) -> StreamlitClient:
    """A signed-in session (sign-ins one after the other: the server hashes few passwords at
    once and asks the others to try again, which is not what this bench measures)."""
    client = StreamlitClient(url)
    run = sign_in(client, EMAIL, PASSWORD)
    if not signed_in(run) or run.exceptions:
        client.close()
        raise RuntimeError(f"not signed in: {run.exceptions or run.texts[-3:]}")
    return client


def walk(
    client, index: int, rounds: int, phase: Phase, lock, start, keep_going, swapped=None
) -> None:
    """One person: open every page `rounds` times (and on while `keep_going()`). With
    `swapped` (a barrier), every session waits after its first round while a new warehouse is
    swapped in, and the next round is the first after the swap."""
    start.wait()
    done = 0
    try:
        while done < rounds or keep_going():
            for step in range(len(PAGES)):
                page = PAGES[(index + step) % len(PAGES)]
                client.page = page
                began = time.perf_counter()
                try:
                    run = client.run(timeout=120)
                except Exception as error:  # noqa: BLE001 — counted, the others go on
                    with lock:
                        phase.errors.append(f"session {index} {page}: {error!r}")
                    return
                elapsed = time.perf_counter() - began
                problems = run.exceptions + [t for t in run.texts if SECTION_ERROR in t]
                with lock:
                    phase.times.setdefault(page, []).append(elapsed)
                    if done:
                        phase.later.append(elapsed)
                    if done == 1 and swapped is not None:
                        phase.after_swap.append(elapsed)
                    phase.runs += 1
                    phase.errors += [f"session {index} {page}: {p}" for p in problems]
            done += 1
            if done == 1 and swapped is not None:
                swapped.wait()  # everybody done with round 1
                swapped.wait()  # the new warehouse served (and the pause over)
    finally:
        client.close()


def run_phase(
    root: Path,
    sessions: int,
    rounds: int,
    label: str,
    build: bool,
    log: Path,
    env: dict,
    checkout: Path = ROOT,
    processes: int = 1,
    swap_pause: float | None = None,
) -> Phase:
    """`sessions` people on `processes` servers (session n on server n mod processes: what a
    proxy with sticky sessions does, without the proxy's own cost)."""
    phase = Phase(label)
    servers = []
    builder = None
    try:
        for n in range(processes):
            server_log = log.with_name(f"{log.stem}-{n}{log.suffix}")
            servers.append(
                start_server(
                    root, server_log, {"PARCOURS_BUILD_WORKER_IDLE": "600", **env}, checkout
                )
            )
        lock = threading.Lock()
        start = threading.Barrier(sessions + 1)
        building = threading.Event()
        swapped = threading.Barrier(sessions + 1, timeout=900) if swap_pause is not None else None
        clients = [open_session(servers[n % processes].url) for n in range(sessions)]
        threads = [
            threading.Thread(
                target=walk,
                args=(client, n, rounds, phase, lock, start, building.is_set, swapped),
                daemon=True,
            )
            for n, client in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        start.wait()  # every session signed in
        if build:
            env = {**os.environ, "PARCOURS_DATA_DIR": str(root), "PYTHONPATH": str(checkout)}
            builder = subprocess.Popen(
                [sys.executable, "-m", "parcours", "build"],
                cwd=checkout,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            building.set()
            threading.Thread(target=lambda: (builder.wait(), building.clear()), daemon=True).start()
        pids = [server.process.pid for server in servers]
        cpu0, began = sum(map(cpu_seconds, pids)), time.perf_counter()
        load0 = os.getloadavg()[0]
        if swapped is not None:
            swapped.wait()
            swap_copy(root)
            time.sleep(swap_pause)
            swapped.wait()
        for thread in threads:
            thread.join()
        phase.wall = time.perf_counter() - began
        phase.cpu = sum(map(cpu_seconds, pids)) - cpu0
        phase.peak_mb = sum(map(peak_memory_mb, pids))
        phase.load = (load0, os.getloadavg()[0])
        if builder is not None:
            builder.wait()
            if builder.returncode != 0:
                phase.errors.append(f"the build failed (exit {builder.returncode})")
    finally:
        for server in servers:
            stop_server(server)
            if server.process.poll() is None:  # a server stuck under load ignores SIGTERM
                server.process.kill()
    return phase


def swap_copy(root: Path) -> None:
    """What a build's swap does to the server: a new warehouse file (here a copy of the same
    data) renamed over the served one — a new version, every cache keyed by it cold."""
    served = root / "warehouse.duckdb"
    copy = root / "warehouse.bench-swap.duckdb"
    shutil.copyfile(served, copy)
    os.replace(copy, served)


TITLES = {
    "accueil": "Accueil",
    "freins": "Freins levés",
    "partenariats": "Partenariats",
    "resultats": "Résultats dans le temps",
    "trajectoires": "Trajectoires",
}


def browser_phase(root: Path, rounds: int, label: str, env: dict, checkout: Path) -> Phase:
    """One person in chromium: sign in, then click each analytical page in the sidebar, timed
    from the click until the page's heading is shown, its run is over and no element of the
    previous page is left (Streamlit marks them stale while a run replaces them)."""
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    phase = Phase(label)
    server = start_server(
        root, root.parent / "server-browser.log", {"PARCOURS_BUILD_WORKER_IDLE": "600", **env},
        checkout,
    )  # fmt: skip
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
            tab.set_default_timeout(120_000)
            expect.set_options(timeout=120_000)
            idle = tab.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
            tab.goto(server.url)
            tab.get_by_label("Adresse e-mail").fill(EMAIL)
            tab.get_by_label("Mot de passe").fill(PASSWORD)
            tab.get_by_role("button", name="Se connecter").click()
            nav = tab.locator("[data-testid='stSidebarNav']")
            expect(nav).to_be_visible()
            expect(idle).to_be_attached()
            cpu0, began = cpu_seconds(server.process.pid), time.perf_counter()
            load0 = os.getloadavg()[0]
            for _ in range(rounds):
                for page in PAGES[1:] + PAGES[:1]:
                    title = TITLES[page]
                    clicked = time.perf_counter()
                    nav.get_by_role("link", name=title, exact=True).click()
                    heading = tab.get_by_role("heading", name=title, exact=True)
                    expect(heading.first).to_be_visible()
                    expect(idle).to_be_attached()
                    expect(tab.locator("[data-stale='true']")).to_have_count(0)
                    elapsed = time.perf_counter() - clicked
                    phase.times.setdefault(page, []).append(elapsed)
                    phase.runs += 1
                    if tab.locator("[data-testid='stException']").count():
                        phase.errors.append(f"{page}: an exception is shown")
            phase.wall = time.perf_counter() - began
            phase.cpu = cpu_seconds(server.process.pid) - cpu0
            phase.peak_mb = peak_memory_mb(server.process.pid)
            phase.load = (load0, os.getloadavg()[0])
            browser.close()
    finally:
        stop_server(server)
        if server.process.poll() is None:
            server.process.kill()
    return phase


def report(phase: Phase) -> None:
    print(
        f"\n{phase.label}: {phase.runs} page runs in {phase.wall:.1f} s "
        f"(load average {phase.load[0]:.1f} → {phase.load[1]:.1f}), server CPU "
        f"{phase.cpu:.1f} s ({phase.cpu / max(phase.runs, 1):.2f} s per page run), "
        f"{phase.runs / max(phase.wall, 1e-9):.2f} page runs per second, "
        f"{len(phase.errors)} error(s), server peak memory {phase.peak_mb:.0f} MB"
    )
    print(f"  {'page':14} {'runs':>5} {'p50':>7} {'p95':>7} {'max':>7}  (seconds)")
    for page in PAGES:
        times = phase.times.get(page, [])
        print(
            f"  {page:14} {len(times):5d} {pct(times, 0.5):7.2f} {pct(times, 0.95):7.2f} "
            f"{max(times, default=float('nan')):7.2f}"
        )
    every = phase.all_times()
    print(
        f"  {'all pages':14} {len(every):5d} {pct(every, 0.5):7.2f} {pct(every, 0.95):7.2f} "
        f"{max(every, default=float('nan')):7.2f}"
    )
    if phase.later:
        # The first round meets caches emptied by the restart (as after a new warehouse is
        # swapped in); the later ones are what people see the rest of the time.
        print(
            f"  {'after round 1':14} {len(phase.later):5d} {pct(phase.later, 0.5):7.2f} "
            f"{pct(phase.later, 0.95):7.2f} {max(phase.later):7.2f}"
        )
    if phase.after_swap:
        print(
            f"  {'after the swap':14} {len(phase.after_swap):5d} "
            f"{pct(phase.after_swap, 0.5):7.2f} {pct(phase.after_swap, 0.95):7.2f} "
            f"{max(phase.after_swap):7.2f}"
        )
    for error in phase.errors[:10]:
        print(f"  error: {error[:300]}")
    sys.stdout.flush()


SWITCH_GOAL_P95 = 1.0  # seconds, a page switch in chromium


def browse(root: Path, args, env: dict) -> None:
    after = browser_phase(root, args.rounds, "chromium, page switches", env, ROOT)
    report(after)
    if args.before:
        before = browser_phase(
            root, args.rounds, f"chromium, page switches, code of {args.before}", env,
            args.before.resolve(),
        )  # fmt: skip
        report(before)
    slow = [p for p in PAGES if pct(after.times.get(p, []), 0.95) > SWITCH_GOAL_P95]
    verdict = "FAIL" if slow or after.errors else "PASS"
    print(
        f"VERDICT: {verdict} — page switch p95 ≤ {SWITCH_GOAL_P95:g} s"
        + (f"; over: {', '.join(slow)}" if slow else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="data folder to copy")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="walks of every page per session")
    parser.add_argument(
        "--during-build", action="store_true", help="the N sessions walk while a build runs"
    )
    parser.add_argument(
        "--before", type=Path, metavar="CHECKOUT",
        help="also run the N sessions on the code of another checkout (e.g. `git archive` of "
        "the commit before a change), same data, same run: before/after",
    )  # fmt: skip
    parser.add_argument(
        "--processes", type=int, default=1,
        help="dashboard processes for the N sessions (sticky: session n on process n mod P)",
    )  # fmt: skip
    parser.add_argument(
        "--browser", action="store_true",
        help="instead: page switches in chromium, one person (p95 per page; goal ≤ 1 s)",
    )  # fmt: skip
    parser.add_argument(
        "--swap", type=float, metavar="SECONDS",
        help="after each session's first round, swap in a new warehouse file (same data) and "
        "wait SECONDS before the next round: the first visits after a build",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the copied data folder")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE",
        help="an environment variable for the server (both phases), e.g. POLARS_MAX_THREADS=1",
    )  # fmt: skip
    args = parser.parse_args()

    env = dict(item.split("=", 1) for item in args.env)
    root = prepare(args.source)
    os.environ["PARCOURS_DATA_DIR"] = str(root)
    try:
        federation = add_user(root)
        print(
            f"data: copy of {args.source} in {root}; {args.sessions} sessions of one federation "
            f"user ({federation}), {args.rounds} round(s) of {len(PAGES)} pages each"
            + (f"; server environment {env}" if env else "")
        )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        if args.browser:
            browse(root, args, env)
            return
        alone = run_phase(root, 1, args.rounds, "1 session alone (baseline)", False,
                          root.parent / "server-1.log", env)  # fmt: skip
        report(alone)
        label = f"{args.sessions} sessions at once"
        label += f" on {args.processes} processes" if args.processes > 1 else ""
        label += " during a build" if args.during_build else ""
        if args.swap is not None:
            label += f", a new warehouse after round 1 ({args.swap:g} s pause)"
        many = run_phase(root, args.sessions, args.rounds, label, args.during_build,
                         root.parent / "server-n.log", env, ROOT, args.processes,
                         args.swap)  # fmt: skip
        report(many)
        if args.before:
            before = run_phase(root, args.sessions, args.rounds, f"{label}, code of {args.before}",
                               args.during_build, root.parent / "server-before.log", env,
                               args.before.resolve(), args.processes, args.swap)  # fmt: skip
            report(before)
            print(
                f"\nbefore → after, {args.sessions} sessions: p95 "
                f"{pct(before.all_times(), 0.95):.2f} s → {pct(many.all_times(), 0.95):.2f} s, "
                f"CPU per page run {before.cpu / max(before.runs, 1):.2f} s → "
                f"{many.cpu / max(many.runs, 1):.2f} s"
            )
    finally:
        if not args.keep:
            shutil.rmtree(root.parent, ignore_errors=True)
    p95, base95 = pct(many.all_times(), 0.95), pct(alone.all_times(), 0.95)
    print(
        f"\nratio p95 {args.sessions} sessions / 1 session: {p95 / base95:.1f}× "
        f"({p95:.2f} s / {base95:.2f} s); CPU per page run "
        f"{many.cpu / max(many.runs, 1):.2f} s / {alone.cpu / max(alone.runs, 1):.2f} s"
    )
    ok = p95 <= GOAL_P95 and not many.errors
    verdict = "PASS" if ok else "FAIL"
    print(
        f"VERDICT: {verdict} — {args.sessions} sessions: p95 {p95:.2f} s (goal ≤ {GOAL_P95:g} s), "
        f"{len(many.errors)} error(s)"
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
