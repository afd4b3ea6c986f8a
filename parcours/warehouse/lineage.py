"""The dbt project's models and lineage, read from the docs the build copies to `data/docs/`.

dbt's own `index.html` loads `manifest.json` and `catalog.json` with `fetch()`, so it does not work
as a downloaded file; `static_index.html` (`dbt docs generate --static`) embeds both and does.
The « Transformations » page therefore offers the static file for download when the build wrote
one, and always shows the models, their columns and their lineage itself, from `manifest.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

SHOWN_TYPES = ("model", "seed", "source", "snapshot")
LAYER_LABELS = {
    "staging": "Préparation (staging)",
    "intermediate": "Intermédiaire",
    "marts": "Tables finales (marts)",
    "seed": "Listes de codes (seeds)",
    "source": "Sources (fichiers déposés)",
}
# How dbt keeps each model, in the words of the Transformations page (dbt's term in brackets).
MATERIALIZATION_LABELS = {
    "table": "Table (table)",
    "view": "Vue (view)",
    "incremental": "Table mise à jour par centre (incremental)",
    "ephemeral": "Intégré aux modèles qui le lisent (ephemeral)",
    "seed": "Liste de codes (seed)",
    "source": "Fichiers déposés (source)",
}
_COLOURS = {
    "source": "#d9d9d9",
    "seed": "#fde0c5",
    "staging": "#dbe9f6",
    "intermediate": "#c6dbef",
    "marts": "#9ecae1",
}


def load_manifest(docs_dir: Path) -> dict | None:
    path = Path(docs_dir) / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def static_docs(docs_dir: Path) -> Path | None:
    """The self-contained docs page, if the build generated it."""
    path = Path(docs_dir) / "static_index.html"
    return path if path.exists() else None


def _layer(node: dict) -> str:
    kind = node.get("resource_type")
    if kind in ("seed", "source"):
        return kind
    fqn = node.get("fqn") or []
    for part in fqn[1:-1]:
        if part in ("staging", "intermediate", "marts"):
            return part
    return fqn[1] if len(fqn) > 2 else "autre"


def _nodes(manifest: dict) -> dict[str, dict]:
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    return {uid: n for uid, n in nodes.items() if n.get("resource_type") in SHOWN_TYPES}


def models(manifest: dict) -> pl.DataFrame:
    """One row per model, seed or source: name, layer, materialisation, description, the
    names of its parents and of its children."""
    nodes = _nodes(manifest)
    children: dict[str, list[str]] = {uid: [] for uid in nodes}
    for uid, node in nodes.items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in children:
                children[parent].append(uid)

    def name(uid: str) -> str:
        node = nodes[uid]
        if node.get("resource_type") == "source":
            return f"{node.get('source_name')}.{node.get('name')}"
        return node.get("name", uid)

    rows = []
    for uid, node in nodes.items():
        parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p in nodes]
        rows.append(
            {
                "unique_id": uid,
                "name": name(uid),
                "layer": _layer(node),
                "materialized": (node.get("config") or {}).get("materialized")
                or node.get("resource_type"),
                "description": (node.get("description") or "").strip(),
                "columns": len(node.get("columns") or {}),
                "parents": ", ".join(sorted(name(p) for p in parents)),
                "children": ", ".join(sorted(name(c) for c in children[uid])),
            }
        )
    order = list(LAYER_LABELS)
    frame = pl.DataFrame(
        rows,
        schema={
            "unique_id": pl.String,
            "name": pl.String,
            "layer": pl.String,
            "materialized": pl.String,
            "description": pl.String,
            "columns": pl.Int64,
            "parents": pl.String,
            "children": pl.String,
        },
        orient="row",
    )
    rank = {layer: i for i, layer in enumerate(order)}
    return (
        frame.with_columns(pl.col("layer").replace_strict(rank, default=len(order)).alias("_rank"))
        .sort("_rank", "name")
        .drop("_rank")
    )


def load_catalog(docs_dir: Path) -> dict | None:
    path = Path(docs_dir) / "catalog.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, ValueError):
        return None


def columns(manifest: dict, unique_id: str, catalog: dict | None = None) -> pl.DataFrame:
    """The columns of one node: name, type, description. The catalog (what the warehouse
    really holds) gives the list and the types; the manifest (the YAML) the descriptions."""
    node = _nodes(manifest).get(unique_id, {})
    documented = node.get("columns") or {}
    entry = ((catalog or {}).get("nodes", {}) | (catalog or {}).get("sources", {})).get(
        unique_id, {}
    )
    actual = sorted((entry.get("columns") or {}).values(), key=lambda c: c.get("index", 0))
    rows = [
        (
            col["name"],
            col.get("type"),
            ((documented.get(col["name"]) or {}).get("description") or "").strip(),
        )
        for col in actual
    ]
    seen = {r[0] for r in rows}
    rows += [
        (name, col.get("data_type"), (col.get("description") or "").strip())
        for name, col in documented.items()
        if name not in seen
    ]
    return pl.DataFrame(
        rows,
        schema={"column": pl.String, "type": pl.String, "description": pl.String},
        orient="row",
    )


def related(manifest: dict, unique_id: str) -> set[str]:
    """The node, all its ancestors and all its descendants."""
    nodes = _nodes(manifest)
    parents = {
        u: [p for p in n.get("depends_on", {}).get("nodes", []) if p in nodes]
        for u, n in nodes.items()
    }
    children: dict[str, list[str]] = {u: [] for u in nodes}
    for uid, ps in parents.items():
        for p in ps:
            children[p].append(uid)
    seen = {unique_id}
    for graph in (parents, children):
        todo = [unique_id]
        while todo:
            for nxt in graph.get(todo.pop(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    return seen


def lineage_dot(manifest: dict, focus: str | None = None) -> str:
    """A Graphviz graph (DOT text) of the lineage, left to right; with `focus`, only that
    node's ancestors and descendants."""
    frame = models(manifest)
    keep = related(manifest, focus) if focus else set(frame["unique_id"])
    nodes = _nodes(manifest)
    lines = [
        "digraph lineage {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    ]
    for row in frame.iter_rows(named=True):
        uid = row["unique_id"]
        if uid not in keep:
            continue
        colour = _COLOURS.get(row["layer"], "#eeeeee")
        pen = ", penwidth=2.5" if uid == focus else ""
        lines.append(f'  "{uid}" [label="{row["name"]}", fillcolor="{colour}"{pen}];')
    for uid in keep:
        for parent in nodes.get(uid, {}).get("depends_on", {}).get("nodes", []):
            if parent in keep:
                lines.append(f'  "{parent}" -> "{uid}";')
    lines.append("}")
    return "\n".join(lines)


def static_docs_html(docs_dir: Path) -> bytes | None:
    """dbt's docs page with the manifest and catalog written into it, so it opens from a
    downloaded file. This is what `dbt docs generate --static` writes (dbt replaces the same two
    placeholders); done here from the three files the build publishes."""
    docs_dir = Path(docs_dir)
    ready = static_docs(docs_dir)
    if ready is not None:
        return ready.read_bytes()
    try:
        index = (docs_dir / "index.html").read_text(encoding="utf-8")
        manifest = (docs_dir / "manifest.json").read_text(encoding="utf-8")
        catalog = (docs_dir / "catalog.json").read_text(encoding="utf-8")
    except OSError:
        return None
    if '"MANIFEST.JSON INLINE DATA"' not in index:
        return None
    index = index.replace('"MANIFEST.JSON INLINE DATA"', manifest)
    index = index.replace('"CATALOG.JSON INLINE DATA"', catalog)
    return index.encode("utf-8")
