"""The trainees' monthly sequences as the typology reads them: one letter per state of
`fct_participant_months` (then « X », not observed), 24 months since entry."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MONTHS = 24

# One letter per state (fct_participant_months.state, then the padding state).
CODES = {
    "in_centre": "C",
    "employment": "E",
    "training": "T",
    "pathway": "P",
    "none": "N",
    "unknown": "U",
    "not_observed": "X",
}
STATES = list(CODES)
LETTERS = "".join(CODES.values())
NOT_OBSERVED = STATES.index("not_observed")
IN_CENTRE = STATES.index("in_centre")


def encode(sequences: Sequence[str]) -> np.ndarray:
    """Sequences of state letters (`CODES`), padded to `MONTHS` with « X », as an (n, MONTHS)
    array of state numbers (the index in `STATES`)."""
    table = np.full(256, -1, dtype=np.int8)
    for number, letter in enumerate(LETTERS):
        table[ord(letter)] = number
    padded = [s[:MONTHS].ljust(MONTHS, "X") for s in sequences]
    raw = np.frombuffer("".join(padded).encode("ascii"), dtype=np.uint8).reshape(-1, MONTHS)
    out = table[raw]
    if (out < 0).any():
        raise ValueError("unknown state letter in a sequence")
    return out.astype(np.int8)


def decode(states: np.ndarray) -> list[str]:
    """The state names of one encoded sequence."""
    return [STATES[s] for s in states]
