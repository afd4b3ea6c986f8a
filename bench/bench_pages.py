"""Render every dashboard page with Streamlit's AppTest on a full-Wallonia warehouse and print
the p50 / p95 of each page's run, cold and warm, then a verdict line (exit status 1 if a page is
over the goal).

Goal: p95 ≤ 1 s cold, ≤ 0,2 s warm.
- cold: the Streamlit caches (`st.cache_data`, `st.cache_resource`) and the warehouse connection
  are dropped just before the timed run (after app.py's first run, which draws Accueil);
- warm: the same page again, in a new session, with the caches the cold run filled.

    python bench/bench_pages.py --source DATA_DIR      # copy an existing demo data folder
    python bench/bench_pages.py --centres 150 --years 10   # or make one with `parcours demo`
    python bench/bench_pages.py --source DATA_DIR -n 3 --pages freins,partenariats

The data folder is copied (or made) under a temporary folder; bench users are added there. Each
page is rendered as the role that sees the most of it: analyst for the aggregate pages and
Qualité (all centres), the largest centre's own user for Parcours and Téléverser.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-motdepasse"
COLD_GOAL = 1.0  # seconds, p95 of a page run with empty caches
WARM_GOAL = 0.2  # seconds, p95 of a page run with the caches filled
PAGES = {
    "pages/accueil.py": "analyst",
    "pages/freins.py": "analyst",
    "pages/partenariats.py": "analyst",
    "pages/resultats.py": "analyst",
    "pages/trajectoires.py": "analyst",
    "pages/parcours.py": "centre",
    "pages/qualite.py": "analyst",
    "pages/televerser.py": "centre",
    "pages/transformations.py": "analyst",
}


def prepare(args) -> Path:
    work = Path(tempfile.mkdtemp(prefix="parcours-bench-pages-")) / "data"
    if args.source:
        shutil.copytree(
            args.source,
            work,
            ignore=shutil.ignore_patterns("warehouse.previous.duckdb", "demo", "work"),
        )
    else:
        env = {**os.environ, "PARCOURS_DATA_DIR": str(work)}
        subprocess.run(
            [sys.executable, "-m", "parcours", "demo", "--centres", str(args.centres),
             "--years", str(args.years)],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
    return work


def add_users(data_dir) -> dict:
    import duckdb

    from parcours.core.errors import ParcoursError
    from parcours.store import users as auth

    con = duckdb.connect()
    con.execute("attach ? as w (read_only)", [str(data_dir.warehouse)])
    biggest = con.sql(
        "select centre_id from w.dim_participants group by 1 order by count(*) desc limit 1"
    ).fetchall()[0][0]
    con.close()
    users = {
        "analyst": auth.User("bench-analyste@parcours.be", "analyst"),
        "centre": auth.User("bench-centre@parcours.be", "centre", centre_id=biggest),
        "admin": auth.User("bench-admin@parcours.be", "admin"),
    }
    for user in users.values():
        # Already there when the source folder came from an earlier bench.
        with contextlib.suppress(ParcoursError):
            auth.add_user(data_dir, user.email, PASSWORD, user.role, user.centre_id)
    return users


def render(page: str, user, cold: bool = False) -> float:
    """One run of `page` as `user` through app.py's navigation; returns the page run's seconds.

    The first run of app.py draws the default page (Accueil), which fills the caches; a cold
    measurement therefore clears them between that run and the timed one."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["user"] = user
    at.run()
    if cold:
        clear_caches()
    started = time.perf_counter()
    at.switch_page(str(ROOT / page)).run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    return elapsed


def clear_caches() -> None:
    import streamlit as st

    from parcours.warehouse import reader as warehouse

    st.cache_data.clear()
    st.cache_resource.clear()
    warehouse._connections.clear()  # a cold run opens the warehouse again


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="existing data folder to copy")
    parser.add_argument("--centres", type=int, default=150)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("-n", "--runs", type=int, default=10, help="runs per page and state")
    parser.add_argument(
        "--pages", help="comma-separated page names to measure (e.g. freins,partenariats)"
    )
    args = parser.parse_args()

    work = prepare(args)
    os.environ["PARCOURS_DATA_DIR"] = str(work)
    from parcours.store.datadir import DataDir
    from parcours.warehouse import reader as warehouse

    data_dir = DataDir.from_env()
    users = add_users(data_dir)
    facts = warehouse.query(
        "select (select count(*) from dim_centres) as centres, "
        "(select count(*) from dim_participants) as participants, "
        "(select count(*) from fct_hours) as hours_rows"
    ).row(0, named=True)
    print(
        f"warehouse: {facts['centres']} centres, {facts['participants']} participants, "
        f"{facts['hours_rows']} hours rows ({work})"
    )
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average at the start: {load[0]:.2f} {load[1]:.2f}")
    render("pages/accueil.py", users["analyst"])  # imports, first connection

    pages = PAGES
    if args.pages:
        wanted = {f"pages/{name.strip().removesuffix('.py')}.py" for name in args.pages.split(",")}
        pages = {page: role for page, role in PAGES.items() if page in wanted}
    header = f"{'page':28} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}"
    print(f"{header}  (seconds, {args.runs} runs each)")
    print("-" * len(header))
    failures = []
    for page, role in pages.items():
        cold, warm = [], []
        for _ in range(args.runs):
            cold.append(render(page, users[role], cold=True))
            warm.append(render(page, users[role]))
        cold95, warm95 = pct(cold, 0.95), pct(warm, 0.95)
        over = []
        if cold95 > COLD_GOAL:
            over.append("cold")
        if warm95 > WARM_GOAL:
            over.append("warm")
        if over:
            failures.append(f"{Path(page).stem} ({' + '.join(over)})")
        print(
            f"{page:28} {pct(cold, 0.5):9.3f} {cold95:9.3f} {pct(warm, 0.5):9.3f} {warm95:9.3f}"
            + ("   ← over goal" if over else "")
        )
        sys.stdout.flush()
    load = os.getloadavg()
    print(f"load average (1, 5, 15 min) at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    goal = f"p95 ≤ {COLD_GOAL:g} s cold, ≤ {WARM_GOAL:g} s warm"
    if failures:
        print(f"VERDICT: FAIL — over the goal ({goal}): {', '.join(failures)}")
    else:
        print(f"VERDICT: PASS — every page within the goal ({goal})")
    shutil.rmtree(work.parent, ignore_errors=True)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
