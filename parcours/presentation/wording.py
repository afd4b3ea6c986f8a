"""Headings that follow who reads and what is selected: figures of one centre are never titled
as the Interfédé's.

- the Interfédé, analysts and admins over every centre: « Chiffres clés de l'Interfédé »;
- a member federation (its role, or a federation chosen in the filters): « Chiffres clés — ACFI »;
- a centre (its own staff, or a centre chosen in the filters): « Chiffres clés — <centre> »;
- a province or a filière chosen narrows what is counted: said after the name;
- so does a population (age band, gender, education, status at entry): `population`.
"""

from __future__ import annotations

from parcours.store.opstore import INTERFEDE

KEY_FIGURES = "Chiffres clés"


def scope_name(
    role: str,
    federation: str | None = None,
    centre_name: str | None = None,
    *,
    chosen_federation: str | None = None,
    chosen_centre: str | None = None,
) -> str | None:
    """Whose figures these are: a centre's name, a federation's, or None for every centre (the
    Interfédé's view). `federation` / `centre_name`: the user's own; `chosen_*`: the filters'."""
    if role == "centre" and centre_name:
        return centre_name
    if chosen_centre:
        return chosen_centre
    if role == "federation" and federation and federation != INTERFEDE:
        return federation
    return chosen_federation


def key_figures_title(
    role: str,
    federation: str | None = None,
    centre_name: str | None = None,
    *,
    chosen_federation: str | None = None,
    chosen_centre: str | None = None,
    narrowed_to: str | None = None,
) -> str:
    """« Chiffres clés de l'Interfédé », « Chiffres clés — ACFI », « Chiffres clés — Le Perron »
    (then « , province de Liège » or the filière when one is chosen)."""
    name = scope_name(
        role,
        federation,
        centre_name,
        chosen_federation=chosen_federation,
        chosen_centre=chosen_centre,
    )
    title = f"{KEY_FIGURES} — {name}" if name else f"{KEY_FIGURES} de l'{INTERFEDE}"
    return f"{title} ({narrowed_to})" if narrowed_to else title


def population(labels: dict[str, str]) -> str:
    """The population chosen, dimension → French label of the code chosen, as one phrase in the
    filters' order: « Moins de 25 ans, Femme, CESS »; empty when everyone counts."""
    order = ("age_band", "gender", "education", "status_at_entry")
    return ", ".join(labels[d] for d in order if d in labels)
