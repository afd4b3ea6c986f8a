"""Hand-made worlds (`generated_warehouse.World`) whose figures are counted by hand below, for
the comparison rule and the pages' shown values for a federation.

`covered()`: ACFI's two centres send hours every month of 2023 and 2024 (C2 from March 2023:
10 months, enough); AID's centre C3 starts in 2024.

| ACFI (C1 + C2) | 2023 | 2024 |
|---|---|---|
| in training | 16 (C1 P00–P09, C2 Q00–Q05) | 24 (C1 P06–P17, C2 Q00–Q11) |
| entries | 16 | 14 (C1 P10–P17, C2 Q06–Q11) |
| exits | 6 (C1 P00–P05, 30/11/2023, CDD) | 3 (C2 Q00–Q02, 30/06/2024, job search) |

Barriers (ACFI, identified 15/03/2024): 20 mobility episodes, one per trainee of C1 P10–P17 and
C2 Q00–Q11; ten lifted after 10, 20, …, 100 days, ten still open at their last assessment, day
200 — so half are lifted at day 100 with 11 still followed; at risk at days 0, 90, 180: 20, 12,
10 (Wilson 95 % of 10 / 20: 29,9 % to 70,1 %).

Partnerships (ACFI, 2024): employer for C1 P10–P15 (6), CPAS for C2 Q06–Q11 (6).
AID (C3): six trainees entering 01/02/2024, no exit: 0 exits, positive exits over 0 exits « — ».
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.generated_warehouse import Episode, Trainee, World


def _months(first: date, last: date) -> list[date]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = (month + timedelta(32)).replace(day=1)
    return out


def _trainee(centre, pid, entry, exit=None, destination=None, until=date(2024, 12, 31)):
    t = Trainee(centre, pid, entry, exit=exit, destination=destination)
    t.hours = {m: 10.0 for m in _months(entry, exit or until)}
    return t


def covered(c2_first_month: date = date(2023, 3, 1), c2_skip: tuple[date, ...] = ()) -> World:
    centres = [
        ("C1", "Centre Un", "ACFI", "Namur"),
        ("C2", "Centre Deux", "ACFI", "Liège"),
        ("C3", "Centre Trois", "AID", "Hainaut"),
    ]
    people = []
    for i in range(10):
        exit = date(2023, 11, 30) if i < 6 else None
        people.append(
            _trainee(
                "C1", f"P{i:02d}", date(2023, 1, 10), exit, "employment_fixed" if exit else None
            )
        )
    for i in range(10, 18):
        people.append(_trainee("C1", f"P{i:02d}", date(2024, 2, 5)))
    for i in range(6):
        exit = date(2024, 6, 30) if i < 3 else None
        people.append(
            _trainee("C2", f"Q{i:02d}", c2_first_month, exit, "job_search" if exit else None)
        )
    for i in range(6, 12):
        people.append(_trainee("C2", f"Q{i:02d}", date(2024, 3, 1)))
    for t in people:
        if t.centre_id == "C2":
            for month in c2_skip:
                t.hours.pop(month, None)
    for i in range(6):
        people.append(_trainee("C3", f"R{i:02d}", date(2024, 2, 1)))
    followed = [t for t in people if t.participant_id in {f"P{i}" for i in range(10, 18)}
                or (t.centre_id == "C2")]  # fmt: skip
    for k, t in enumerate(followed):
        lifted = 10 * (k + 1) if k < 10 else None
        t.episodes.append(Episode("mobility", date(2024, 3, 15), 2, lifted, lifted or 200))
    for t in people:
        if t.centre_id == "C1" and t.participant_id in {f"P{i}" for i in range(10, 16)}:
            t.partnerships.append(("employer", "internship", date(2024, 5, 1), "completed"))
        if t.centre_id == "C2" and t.participant_id in {f"Q{i:02d}" for i in range(6, 12)}:
            t.partnerships.append(("cpas", "social_support", date(2024, 4, 1), "ongoing"))
    return World(centres, people)
