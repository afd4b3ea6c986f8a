"""Reading the audit log (`audit_log` in ops.sqlite) for the « Journal d'audit » page: its
filter choices and its rows as a French table, filtered with bound parameters.

The details are stored with stable English keys (scripts and tests read them); they are put in
French here, at display (`DETAIL_LABELS`, `VALUE_LABELS`): a stored line is never rewritten."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import polars as pl

from parcours.core.dates import BRUSSELS, local_time
from parcours.store import opstore
from parcours.store.datadir import DataDir

ACTION_LABELS = {
    "login_success": "Connexion réussie",
    "login_failure": "Connexion refusée",
    "login_throttled": "Connexion bloquée (trop d'essais)",
    "login_busy": "Connexion différée (serveur occupé)",
    "report_exported": "Rapport produit",
    "period_closed": "Année arrêtée",
    "period_reopened": "Année rouverte",
    "logout": "Déconnexion",
    "session_expired": "Session expirée",
    "export": "Export (téléchargement)",
    "upload_stored": "Dépôt enregistré",
    "upload_duplicate": "Dépôt déjà reçu",
    "upload_rejected": "Dépôt refusé",
    "batch_withdrawn": "Lot retiré",
    "replay": "Rejeu de la quarantaine",
    "replay_stored": "Rejeu enregistré",
    "build": "Construction de l'entrepôt",
    "centre_added": "Centre ajouté",
    "user_added": "Utilisateur ajouté",
    "mapping_added": "Correspondance de code ajoutée",
}
# Stored key -> the words the page shows. A key not listed is shown as stored.
DETAIL_LABELS = {
    "email": "adresse",
    "client": "poste",
    "method": "méthode",
    "reason": "motif",
    "wait_s": "attente (s)",
    "file": "fichier",
    "file_name": "fichier",
    "page": "page",
    "bytes": "octets",
    "rows": "lignes",
    "template": "modèle",
    "year": "année",
    "subject": "périmètre",
    "format": "format",
    "frozen": "chiffres arrêtés",
    "centre_id": "centre",
    "centre_name": "nom du centre",
    "federation": "fédération",
    "postal_code": "code postal",
    "created_at": "créé le",
    "role": "rôle",
    "batch_id": "envoi",
    "build_id": "construction",
    "duration_s": "durée (s)",
    "failures": "échecs",
    "warnings": "avertissements",
    "status": "statut",
    "kind": "type de fichier",
    "seq": "numéro",
    "sha256": "empreinte",
    "withdrawn": "retiré",
    "rows_stored": "lignes enregistrées",
    "rows_quarantined": "lignes en quarantaine",
}
VALUE_LABELS = {
    "method": {"password": "mot de passe", "oidc": "fournisseur d'identité"},
    "reason": {
        "idle": "inactivité",
        "expired": "durée maximale atteinte",
        "logout": "déconnexion",
        "inconnu": "adresse inconnue",
    },
    "status": {"success": "réussie", "failed": "échouée", "failure": "échouée"},
    "client": {"local": "local"},
}
LIMIT = 5000


def choices(data_dir: DataDir) -> tuple[list[str], list[str]]:
    """The actions and the actors found in the log (for the filters)."""
    with opstore.connected(data_dir.ops_db) as conn:
        actions = [r[0] for r in conn.execute("select distinct action from audit_log order by 1")]
        actors = [r[0] for r in conn.execute("select distinct actor from audit_log order by 1")]
    return actions, actors


def _utc_bound(day: date) -> str:
    """The start of a Brussels day, as the log's ISO-8601 UTC text."""
    from datetime import UTC

    return datetime.combine(day, time(), BRUSSELS).astimezone(UTC).isoformat(timespec="seconds")


def entries(
    data_dir: DataDir,
    actions: list[str] | None = None,
    actor: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """The log's lines, the latest first (at most LIMIT), with French column names."""
    sql = "select at, actor, action, detail from audit_log where 1 = 1"
    params: list = []
    if actions:
        sql += f" and action in ({', '.join('?' for _ in actions)})"
        params += list(actions)
    if actor:
        sql += " and actor = ?"
        params.append(actor)
    if start:
        sql += " and at >= ?"
        params.append(_utc_bound(start))
    if end:
        sql += " and at < ?"
        params.append(_utc_bound(end + timedelta(days=1)))
    sql += f" order by id desc limit {LIMIT}"
    with opstore.connected(data_dir.ops_db) as conn:
        rows = conn.execute(sql, params).fetchall()
    return pl.DataFrame(
        {
            "Quand": [local_time(r["at"]) for r in rows],
            "Auteur": [r["actor"] for r in rows],
            "Action": [ACTION_LABELS.get(r["action"], r["action"]) for r in rows],
            "Détail": [_detail(r["detail"]) for r in rows],
        },
        schema={"Quand": pl.String, "Auteur": pl.String, "Action": pl.String, "Détail": pl.String},
    )


def _detail(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, dict):
        return ", ".join(
            f"{DETAIL_LABELS.get(k, k)} : {_value(k, v)}"
            for k, v in value.items()
            if v not in (None, "", [])
        )
    return str(value)


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return ", ".join(f"{DETAIL_LABELS.get(k, k)} {_value(k, v)}" for k, v in value.items())
    if isinstance(value, str):
        return VALUE_LABELS.get(key, {}).get(value, value)
    return str(value)
