"""What a reader can work out from the public observatory's files: an oracle that knows nothing of
the site's masking rule, only what a reader knows (the published numbers, the sums the
definitions imply, and that a count is never negative).

- From a year's folder it reads every figure CSV, `datapackage.json` (which quantity each row
  counts — the same name is the same number everywhere — and which dimensions add up to their
  base) and writes the additive relations: categories sum to their base; the values of each
  level kind (federations, provinces, filière types, each population dimension) plus an unknown
  remainder (≥ 0) sum to the sector.
- For every masked number and every remainder, it computes the feasible range by linear
  programming (scipy), and reports a leak when the range is a single value other than 0 (a
  count worked out exactly) or lies within 1–9 (a count known to be under 10).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import linprog


def read_year(folder: Path) -> tuple[dict, list]:
    """(values, relations) of one year's files: key → int (published) or None (masked)."""
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    values: dict = {}
    relations = []

    def put(key, text):
        value = None if text == "" else int(text)
        if key in values and values[key] != value:
            raise AssertionError(f"{key} is published as {values[key]} and as {value}")
        values[key] = value

    for resource in package["resources"]:
        if "parcours:rows" not in resource:
            continue
        names = {(d, c): (n, b) for d, c, n, b in resource["parcours:rows"]}
        per_total = defaultdict(list)
        with (folder / resource["path"]).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                level = (row["level"], row["level_value"])
                count_name, base_name = names[(row["dimension"], row["category"])]
                put((*level, count_name), row["count"])
                if base_name:
                    put((*level, base_name), row["base"])
                    if row["share"]:  # share = count / base: both must be published
                        assert row["count"] and row["base"] and int(row["base"]) >= 20
                if row["dimension"] in resource["parcours:partition"]:
                    per_total[(*level, base_name)].append((*level, count_name))
        relations += [(total, tuple(parts)) for total, parts in per_total.items()]
    names = {key[2] for key in values}
    kinds = {key[0] for key in values} - {"sector"}
    for name in names:
        total = ("sector", "all", name)
        if total not in values:
            continue
        for kind in kinds:
            parts = [k for k in values if k[0] == kind and k[2] == name]
            if parts:
                relations.append((total, (*parts, ("remainder", kind, name))))
    return values, relations


def leaks(values: dict, relations: list) -> list[tuple]:
    """Unknowns (masked numbers, remainders) a reader could work out, with their range."""
    unknown = {k for k, v in values.items() if v is None}
    unknown |= {k for _, parts in relations for k in parts if k not in values}
    unknown |= {t for t, _ in relations if t not in values}
    parent = {k: k for k in unknown}

    def find(k):
        while parent[k] != k:
            k = parent[k]
        return k

    for total, parts in relations:
        inside = [k for k in (total, *parts) if k in unknown]
        for k in inside[1:]:
            parent[find(k)] = find(inside[0])
    groups = defaultdict(list)
    for k in unknown:
        groups[find(k)].append(k)
    cap = 10 * max([v for v in values.values() if v is not None] + [10])
    out = []
    for keys in groups.values():
        index = {k: j for j, k in enumerate(keys)}
        rows, rhs = [], []
        for total, parts in relations:
            terms = [(total, 1.0)] + [(p, -1.0) for p in parts]
            if not any(k in index for k, _ in terms):
                continue
            row, constant = np.zeros(len(keys)), 0.0
            for k, sign in terms:
                if k in index:
                    row[index[k]] += sign
                else:
                    constant -= sign * values[k]
            rows.append(row)
            rhs.append(constant)
        for k in keys:
            c = np.zeros(len(keys))
            c[index[k]] = 1
            lo = linprog(c, A_eq=np.array(rows), b_eq=rhs, bounds=(0, cap), method="highs")
            hi = linprog(-c, A_eq=np.array(rows), b_eq=rhs, bounds=(0, cap), method="highs")
            assert lo.status == 0 and hi.status == 0, (k, lo.message, hi.message)
            low, high = lo.fun, -hi.fun
            pinned = high - low < 0.5 and high > 0.5
            if pinned or (low > 0.5 and high < 9.5):
                out.append((k, round(low, 2), round(high, 2)))
    return out
