"""What the small-count rule's joint solve costs (issue 15, item 1): each masked page function of
a federation's view, timed with the solve of every total and bound together (`Page._optimised`,
linear programming) and, in the same run as the baseline, without it (the rule as it was).

    python bench/bench_masking.py --data-dir /tmp/parcours-demo [--repeat 3]

The data folder is one where `parcours demo` ran (e.g. `PARCOURS_DATA_DIR=/tmp/parcours-demo
parcours demo --centres 10 --years 3`). Figures: the best of `--repeat` calls, warm (each page
once first), wall and CPU seconds, for the Interfédé (every centre, masked)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def best(fn, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["PARCOURS_DATA_DIR"] = args.data_dir

    from parcours.analytics import (
        barriers,
        comparison,
        home,
        level_journeys,
        masking,
        outcomes,
        partnerships,
        trajectories,
        transition_flows,
    )
    from parcours.warehouse.reader import Filters, Scope

    every = Scope(None, may_see_individuals=False, mask_small_counts=True)
    year = Filters(years=(2024, 2024))
    pages = {
        "Accueil (home.page)": lambda: home.page(every, year, 2024),
        "Freins levés (barriers.page)": lambda: barriers.page(every, year),
        "Partenariats (partnerships.page)": lambda: partnerships.page(every, year),
        "Résultats (outcomes.page)": lambda: outcomes.page(every, year),
        "flux + freins d'abord (transition_flows.sections)": lambda: transition_flows.sections(
            every, Filters(), 2024
        ),
        "chronogramme (trajectories.chronogram)": lambda: trajectories.chronogram(
            every, Filters(), 2024
        ),
        "niveaux d'un frein (level_journeys.journey)": lambda: level_journeys.journey(
            every, Filters(), 2024, "isolation"
        ),
        "Se situer, taux de levée (comparison)": lambda: comparison.compare_figure(
            every, year, "barrier_lift"
        ),
    }
    joint = masking.Page._optimised
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| page function | with the joint solve (wall / CPU) | without (wall / CPU) |")
    print("|---|---|---|")
    for name, fn in pages.items():
        fn()
        with_wall, with_cpu = best(fn, args.repeat)
        masking.Page._optimised = lambda self, *a: None
        try:
            fn()
            base_wall, base_cpu = best(fn, args.repeat)
        finally:
            masking.Page._optimised = joint
        print(
            f"| {name} | {with_wall:.2f} s / {with_cpu:.2f} s | {base_wall:.2f} s / "
            f"{base_cpu:.2f} s |"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
