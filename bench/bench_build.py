"""Scale benchmark of `parcours build` (150 centres × 10 years, the sector's real size).

Writes synthetic landing parquet files straight with DuckDB (the demo generator is separate) in
the exact landing layout (docs/ARCHITECTURE.md): ~143,000 participants, ~1.4M hours rows, ~600k
barrier assessments, ~250k partnerships, ~300k milestones, ~130k exits, ~100k follow-ups, in
~1,500 batches; then times a full `parcours build`, and after one centre's new upload the
fast path (the build worker updating that centre only) against a from-scratch build of the same
data, in the same run, and checks that both warehouses are identical, every relation.

    python bench/bench_build.py [--data-dir /tmp/parcours-bench] [--keep] [--scale 3.3]
        [--full-only | --fast-only]

`--scale` multiplies the centres and the trainees (3.3: 500 centres, 10: 1 500), the same ten
years. Each build prints where its time went (registry snapshot, dbt's start and parse, the
models and tests, the docs, the swap) and the peak memory of its largest process.

Goals: full build ≤ 20 s, upload → figures (the fast path) ≤ 5 s (2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from parcours.contract import KINDS  # noqa: E402
from parcours.store import opstore  # noqa: E402
from parcours.store.datadir import DataDir  # noqa: E402
from parcours.upload import landing  # noqa: E402

CENTRES = 150
PARTICIPANTS = 143_000
SCALE = 1.0
WIDTH = 3
FULL_ONLY = False
FAST_ONLY = False
FEDERATIONS = ["ACFI", "AID", "ALEAP", "CAIPS", "Lire et Écrire Wallonie"]

# The landing column order of each kind (ARCHITECTURE « Landing parquet »), typed.
GENERATE = {
    "participants": """
        select centre_id, part, participant_id, entry_date,
            (1960 + h % 45)::smallint as birth_year,
            ['F', 'M', 'X'][1 + h % 3] as gender,
            ['none', 'ceb', 'ce1d', 'cess', 'higher', 'foreign', 'unknown'][1 + (h >> 3) % 7]
                as education,
            (1000 + (h >> 5) % 9000)::smallint as postal_code,
            ['eft', 'defi', 'orientation'][1 + (h >> 7) % 3] as filiere,
            ['Horeca', 'Bâtiment', 'Nettoyage', null][1 + (h >> 9) % 4] as training_area,
            ['forem', 'cpas', 'self', 'social_service', 'other'][1 + (h >> 11) % 5] as referral,
            ['dei', 'ris', 'unemployment_benefit', 'no_income'][1 + (h >> 13) % 4]
                as status_at_entry,
            case when h % 4 = 0 then md5(participant_id) end as person_key
        from people
    """,
    "barriers": """
        select p.centre_id, p.part, p.participant_id,
            (p.entry_date + (a.k * 60 + b.b * 7)::integer)::date as assessed_on,
            ['isolation', 'self_esteem', 'mobility', 'housing', 'finances', 'language',
             'digital', 'mental_health'][1 + (p.h >> (b.b * 3)) % 8] as barrier,
            greatest(0, 3 - a.k - ((p.h >> (a.k + b.b)) % 2))::tinyint as level
        from people p, range(2) b(b), range(3) a(k)
        where (b.b = 0 or p.h % 2 = 0) and (a.k < 2 or p.h % 5 < 4)
    """,
    "partnerships": """
        select p.centre_id, p.part, p.participant_id,
            (p.entry_date + (30 + n.n * 45)::integer)::date as started_on,
            ['cpas', 'forem', 'employer', 'adult_education', 'qualifying_training',
             'driving_school', 'health', 'housing'][1 + (p.h >> (n.n * 4)) % 8] as partner_type,
            'Partenaire ' || ((p.h >> 6) % 40) as partner_name,
            ['internship', 'referral', 'social_support', 'training', 'job_placement']
                [1 + (p.h >> (n.n + 2)) % 5] as purpose,
            case when (p.h >> n.n) % 3 > 0 then (p.entry_date + (60 + n.n * 45)::integer)::date end
                as ended_on,
            ['completed', 'ongoing', 'interrupted'][1 + (p.h >> (n.n + 5)) % 3] as result
        from people p, range(2) n(n)
        where n.n = 0 or p.h % 4 < 3
    """,
    "milestones": """
        select p.centre_id, p.part, p.participant_id,
            (p.entry_date + (40 + n.n * 70 + p.h % 30)::integer)::date as achieved_on,
            ['driving_theory', 'driving_licence', 'first_internship', 'internship_completed',
             'ceb', 'language_level', 'digital_skills', 'housing_stable']
                [1 + (p.h >> (n.n * 3 + 1)) % 8] as milestone,
            null::varchar as detail
        from people p, range(3) n(n)
        where n.n < 2 or p.h % 10 = 0
    """,
    "exits": """
        select centre_id, part, participant_id,
            (entry_date + (90 + h % 400)::integer)::date as exit_date,
            ['employment_permanent', 'employment_fixed', 'employment_temp', 'qualifying_training',
             'adult_education', 'job_search', 'inactive', 'unknown'][1 + (h >> 4) % 8]
                as destination,
            ['completed', 'job', 'training', 'dropout', 'health'][1 + (h >> 8) % 5] as reason
        from people
        where h % 100 < 91
    """,
    "followups": """
        select centre_id, part, participant_id,
            (entry_date + (272 + h % 400)::integer)::date as observed_on,
            ['employment_permanent', 'employment_fixed', 'qualifying_training', 'job_search',
             'inactive'][1 + (h >> 6) % 5] as situation
        from people
        where h % 100 < 70
    """,
    "hours": """
        select p.centre_id, p.part, p.participant_id,
            (date_trunc('month', p.entry_date) + to_months(m.m::integer))::date as month,
            round(20 + (p.h >> m.m) % 120 + 0.25 * (m.m % 4), 2)::double as hours
        from people p, range(19) m(m)
        where m.m < 1 + p.h % 19
    """,
}
# Uploads per centre and kind: big kinds come in two exports (2016–2020, 2021–2025).
SPLIT = {"participants", "barriers", "hours"}


def generate(data_dir: DataDir) -> dict[str, int]:
    con = duckdb.connect()
    con.execute(
        f"""
        create table people as
        select
            'C' || lpad((i % {CENTRES} + 1)::varchar, {WIDTH}, '0') as centre_id,
            'P' || lpad(i::varchar, {len(str(PARTICIPANTS))}, '0') as participant_id,
            (date '2016-01-01' + (hash(i) % 3650)::integer)::date as entry_date,
            (hash(i * 7919) % 1000000007)::bigint as h
        from range({PARTICIPANTS}) t(i)
        """
    )
    con.execute("alter table people add column part integer")
    con.execute("update people set part = case when year(entry_date) <= 2020 then 1 else 2 end")
    counts: dict[str, int] = {}
    ops = opstore.connect(data_dir.ops_db)
    with opstore.transaction(ops):
        for c in range(1, CENTRES + 1):
            ops.execute(
                "insert into centres values (?, ?, ?, ?, ?)",
                (
                    centre_id(c),
                    f"CISP {c}",
                    FEDERATIONS[c % 5],
                    4000 + c % 500 * 13,
                    opstore.now_iso(),
                ),  # fmt: skip
            )
    seq = 0
    batches = []
    for kind in KINDS:
        # Sorted by centre: each centre's export below reads its own row groups only (DuckDB's
        # min-max pruning), not the whole table — linear in the data, not centres × rows.
        con.execute(
            f"create or replace table rows_ as select * from ({GENERATE[kind]}) "
            "order by centre_id, part"
        )
        counts[kind] = con.execute("select count(*) from rows_").fetchone()[0]
        columns = [
            r[0] for r in con.execute("select name from pragma_table_info('rows_')").fetchall()
        ]
        typed = [c for c in columns if c not in {"centre_id", "part"}]
        folder = data_dir.landing_kind(kind)
        folder.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy (select ''::varchar as batch_id, ''::varchar as centre_id, 0::integer as "
            f"row_number, {', '.join(typed)}, null::varchar as extra from rows_ limit 0) "
            f"to '{folder}/_schema.parquet' (format parquet)"
        )
        parts = (1, 2) if kind in SPLIT else (1,)
        for c in range(1, CENTRES + 1):
            centre = centre_id(c)
            for part in parts:
                seq += 1
                batch_id = f"b20261127T{seq:06d}-bench"
                where = f"centre_id = '{centre}'" + (
                    f" and part = {part}" if len(parts) > 1 else ""
                )
                con.execute(
                    f"""copy (
                        select '{batch_id}'::varchar as batch_id, centre_id,
                            (row_number() over ())::integer as row_number,
                            {", ".join(typed)}, null::varchar as extra
                        from rows_ where {where}
                    ) to '{folder}/{batch_id}.parquet' (format parquet)"""
                )
                rows = con.execute(f"select count(*) from rows_ where {where}").fetchone()[0]
                batches.append((batch_id, seq, centre, kind, rows))
    with opstore.transaction(ops):
        for batch_id, seq, centre, kind, rows in batches:
            ops.execute(
                "insert into batches (batch_id, seq, precedence, centre_id, kind, file_name, "
                "sha256, "
            "received_at, received_by, rows_read, rows_stored, rows_quarantined, withdrawn_at, "
            "withdrawn_by, replay_of) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (batch_id, seq, seq, centre, kind, f"{kind}.csv", batch_id, opstore.now_iso(),
                 "bench", rows, rows, 0, None, None, None),
            )  # fmt: skip
    ops.close()
    counts["batches"] = len(batches)
    return counts


def centre_id(c: int) -> str:
    return "C" + str(c).rjust(WIDTH, "0")


def new_upload(data_dir: DataDir) -> None:
    """One centre re-sends its recent hours (latest wins over the earlier export)."""
    con = duckdb.connect()
    ops = opstore.connect(data_dir.ops_db)
    seq = ops.execute("select max(seq) + 1 from batches").fetchone()[0]
    batch_id = f"b20261127T{seq:06d}-bench"
    # The centre's generated hours batch (its first): re-sending earlier re-sends too would
    # repeat keys with the same row numbers in one file, which no ingestion writes (with
    # `--keep`, each run of the bench adds one).
    (generated,) = ops.execute(
        "select batch_id from batches where centre_id = ? and kind = 'hours' order by seq limit 1",
        (centre_id(7),),
    ).fetchone()
    source = data_dir.landing_kind("hours") / f"{generated}.parquet"
    con.execute(
        f"""copy (
            select '{batch_id}'::varchar as batch_id, centre_id, row_number, participant_id,
                month, hours + 1 as hours, extra
            from read_parquet('{source}')
            where centre_id = '{centre_id(7)}' and month >= date '2025-01-01'
        ) to '{data_dir.landing_kind("hours")}/{batch_id}.parquet' (format parquet)"""
    )
    with opstore.transaction(ops):
        ops.execute(
            "insert into batches (batch_id, seq, precedence, centre_id, kind, file_name, sha256, "
            "received_at, received_by, rows_read, rows_stored, rows_quarantined, withdrawn_at, "
            "withdrawn_by, replay_of) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (batch_id, seq, seq, centre_id(7), "hours", "heures.csv", batch_id, opstore.now_iso(),
             "bench", 0, 0, 0, None, None, None),
        )  # fmt: skip
    ops.close()


def timed_child(
    command: list[str], cwd: Path, env: dict
) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a child process: its wall time and CPU seconds (its own children included). On a
    shared machine the CPU figure is the one that does not depend on what the neighbours do."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, completed


def peak_mb() -> float:
    """The peak resident memory of the largest child process waited for so far (Linux: KB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def phases(summary: dict) -> str:
    names = {"snapshot": "snapshot", "copy": "copy of the served file",
             "start_and_parse": "dbt start+parse", "build": "models+tests",
             "docs": "docs", "swap": "swap", "dbt_process": "dbt process in all"}  # fmt: skip
    got = summary.get("phases") or {}
    return ", ".join(f"{label} {got[key]:.1f} s" for key, label in names.items() if key in got)


def timed_build(root: Path, *extra: str) -> tuple[float, float, dict]:
    """Wall time and CPU seconds of `parcours build` (build process and dbt's child)."""
    env = {**os.environ, "PARCOURS_DATA_DIR": str(root)}
    elapsed, cpu, completed = timed_child(
        [sys.executable, "-m", "parcours", "build", "--json", *extra], REPO, env
    )
    summary = json.loads(completed.stdout) if completed.stdout.strip() else {}
    if completed.returncode != 0:
        print(completed.stderr[-3000:])
        print(summary.get("message"))
        raise SystemExit(1)
    return elapsed, cpu, summary


def slowest(summary: dict, n: int = 6) -> str:
    nodes = sorted(summary["models"] + summary["tests"], key=lambda m: -m["execution_time"])
    return ", ".join(f"{m['name']} {m['execution_time']:.1f} s" for m in nodes[:n])


def bench_folder(description: str, default: str) -> tuple[DataDir, bool]:
    """The bench's data folder from the command line (`--data-dir`, `--keep`): emptied unless
    kept, with its landing schema files; and whether generated data may be reused."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-dir", default=default)
    parser.add_argument("--keep", action="store_true", help="reuse generated data if present")
    parser.add_argument("--scale", type=float, default=1.0, help="× the sector (centres, trainees)")
    parser.add_argument(
        "--full-only",
        action="store_true",
        help="only the from-scratch build (the scale runs: a rebuild costs as much again)",
    )
    parser.add_argument(
        "--fast-only",
        action="store_true",
        help="only one fast build after a centre's new upload (a kept folder, built before)",
    )
    args = parser.parse_args()
    global FULL_ONLY, FAST_ONLY
    FULL_ONLY = args.full_only
    FAST_ONLY = args.fast_only
    global SCALE, CENTRES, PARTICIPANTS, WIDTH
    SCALE = args.scale
    CENTRES, PARTICIPANTS = round(150 * SCALE), round(143_000 * SCALE)
    WIDTH = max(3, len(str(CENTRES)))
    root = Path(args.data_dir)
    if root.exists() and not args.keep:
        shutil.rmtree(root)
    data_dir = DataDir(root.resolve())
    landing.ensure_schema_files(data_dir)
    return data_dir, args.keep


def main() -> None:
    data_dir, keep = bench_folder(__doc__.splitlines()[0], "/tmp/parcours-bench")
    print(f"Load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared)")
    print(f"Scale {SCALE:g}× the sector: {CENTRES} centres, {PARTICIPANTS} trainees, 10 years")
    if not (data_dir.ops_db.exists() and keep):
        started = time.monotonic()
        counts = generate(data_dir)
        print(f"Generated in {time.monotonic() - started:.1f} s: {counts}")

    if FAST_ONLY:
        new_upload(data_dir)
        fast, fast_cpu, summary = timed_worker_build(data_dir, centre_id(7))
        tests = sum(t["execution_time"] for t in summary["tests"])
        print(f"Fast build ({summary.get('mode')}): {fast:.1f} s wall, {fast_cpu:.1f} s CPU; "
              f"{len(summary['tests'])} tests taking {tests:.1f} s; load "
              f"{os.getloadavg()[0]:.1f}  [goal ≤ 5 s]")  # fmt: skip
        print(f"  phases: {phases(summary)}")
        return
    full, cpu, summary = timed_build(data_dir.root)
    size = data_dir.warehouse.stat().st_size / 1e6
    print(f"Full build (with docs): {full:.1f} s wall, {cpu:.1f} s CPU; "
          f"{len(summary['models'])} models, {len(summary['tests'])} tests; "
          f"warehouse {size:.0f} MB  [goal ≤ 20 s at 1×; peak ≤ 2 GB at 3.3× and 10×]")  # fmt: skip
    print(f"  slowest: {slowest(summary)}")
    print(f"  phases: {phases(summary)}; peak memory (largest process) {peak_mb():.0f} MB")

    if FULL_ONLY:
        print(f"Load average after: {os.getloadavg()[0]:.1f}")
        return
    # Upload → figures: one centre re-sends its hours; the build worker takes the request
    # (naming the centre) and updates the served warehouse for that centre only. Then a
    # from-scratch build of the SAME data (`parcours build` names no centre): the baseline of
    # this run, and the oracle the fast path's warehouse must equal, every relation.
    new_upload(data_dir)
    fast, fast_cpu, summary = timed_worker_build(data_dir, centre_id(7))
    print(f"Rebuild after one centre's upload, fast path ({summary.get('mode')}, "
          f"centres {summary.get('changed_centres')}): {fast:.1f} s wall, {fast_cpu:.1f} s CPU; "
          f"{len(summary['models'])} models, {len(summary['tests'])} tests; load "
          f"{os.getloadavg()[0]:.1f}  [goal ≤ 5 s]")  # fmt: skip
    print(f"  slowest: {slowest(summary)}")
    print(f"  phases: {phases(summary)}")
    fast_copy = data_dir.root / "build" / "fast-path.duckdb"
    shutil.copyfile(data_dir.warehouse, fast_copy)
    rebuild, cpu, summary = timed_build(data_dir.root, "--no-docs")
    print(f"Rebuild after one centre's upload, from scratch (--no-docs, same data): "
          f"{rebuild:.1f} s wall, {cpu:.1f} s CPU; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"  phases: {phases(summary)}")
    print(f"Fast path / from scratch: {fast / rebuild:.2f} wall, {fast_cpu / cpu:.2f} CPU")
    sys.path.insert(0, str(REPO / "bench"))
    from compare_warehouses import differences

    differ = differences(
        str(fast_copy), str(data_dir.warehouse), ["main", "intermediate", "staging", "seeds"],
        echo=lambda _line: None,
    )  # fmt: skip
    print("Fast path's warehouse equals the from-scratch build: "
          + ("every relation identical" if not differ else f"DIFFERENT: {differ}"))  # fmt: skip
    fast_copy.unlink()
    print(f"Load average after: {os.getloadavg()[0]:.1f}")


def timed_worker_build(data_dir: DataDir, centre: str) -> tuple[float, float, dict]:
    """Ask for a build naming the centre, as an upload does, and time the build worker that
    takes it (a process that leaves when idle): wall time and CPU seconds, its summary."""
    from parcours.warehouse import worker

    worker.request_build(data_dir, "bench", "upload", centre, start=False)
    env = {**os.environ, "PARCOURS_DATA_DIR": str(data_dir.root)}
    command = [sys.executable, "-m", "parcours.warehouse.worker", "--data-dir",
               str(data_dir.root), "--idle", "0"]  # fmt: skip
    elapsed, cpu, completed = timed_child(command, REPO, env)
    with opstore.connected(data_dir.ops_db) as conn:
        status, summary = conn.execute(
            "select status, summary from builds order by started_at desc limit 1"
        ).fetchone()
    summary = json.loads(summary or "{}")
    if status != "success":
        print(completed.stdout[-3000:], completed.stderr[-3000:])
        print(summary.get("message"))
        raise SystemExit(1)
    return elapsed, cpu, summary


if __name__ == "__main__":
    main()
