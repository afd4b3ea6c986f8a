"""Privacy by design (EXPORT_FORMAT §2 and §5): national numbers become keyed pseudonyms at once,
direct identifier columns never get past reading.

`person_key` = HMAC-SHA-256 (key: `secrets/pseudonym.key` of the data folder) of the 11 normalised
digits, in hex: the same trainee gets the same key in every centre, and without the key nobody can
go back from the pseudonym to the number (a plain hash of 11 digits would be brute-forced in
seconds).
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

from parcours import contract
from parcours.upload.parsing import NISS_CANDIDATE, mask_niss_in_text, normalise_niss

# What a masked digit looks like. It never comes from a centre's software: a value holding it was
# masked here, and the rules that refused the clear value refuse the masked one too (replay).
MASK = "•"


def pseudonymise(niss_digits: str, key: bytes) -> str:
    """The `person_key` of a national number (any punctuation; it is normalised first).

    Raises ValueError for a text that is not a valid national number, so that a typo can never
    become a pseudonym of its own.
    """
    digits = normalise_niss(niss_digits)
    if digits is None:
        raise ValueError("numéro national invalide")
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def pseudonymise_series(digits: pl.Series, key: bytes) -> pl.Series:
    """`person_key` for a Series of normalised 11-digit numbers (null stays null).

    National numbers are few per file (participants only), so hashing each distinct value in
    Python is cheap; the result is mapped back with a vectorised replace.
    """
    distinct = digits.drop_nulls().unique().to_list()
    keys = {d: hmac.new(key, d.encode("ascii"), hashlib.sha256).hexdigest() for d in distinct}
    return digits.replace_strict(keys, default=None, return_dtype=pl.String).alias("person_key")


# Words that make any header a direct identifier, whatever surrounds them (« Prénom + Nom »,
# « Téléphone (domicile) », « Adresse e-mail du stagiaire »). « nom » alone is not one of them:
# it starts « nombre d'heures ».
_IDENTIFYING_WORDS = ("prenom", "firstname", "email", "courriel", "telephone", "gsm", "adresse",
                      "address", "phone")  # fmt: skip


def is_identifier(header: str) -> bool:
    """True for a direct identifier column (name, address, e-mail, phone…), to be dropped: a
    name of the contract's list, or a header holding one of the identifying words."""
    folded = contract.fold(header)
    return contract.load().is_identifier(header) or any(w in folded for w in _IDENTIFYING_WORDS)


def mask(value: str | None) -> str | None:
    """A national number as it may be shown in a message: its digits hidden."""
    if value is None:
        return None
    return "".join(MASK if ch.isdigit() else ch for ch in value)


def mask_expr(expr: pl.Expr) -> pl.Expr:
    """`mask` for a whole column."""
    return expr.str.replace_all("[0-9]", MASK)


def mask_national_numbers(
    frame: pl.DataFrame, columns: list[str]
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """Mask every national number found ANYWHERE in the text of `columns` (free text, extra
    columns, codes, ids…), before anything is written: `parsing.mask_niss_in_text` (stdnum) on
    each distinct value that has the shape of one. Returns the frame and, per column where some
    were found, a boolean Series of the rows masked."""
    found: dict[str, pl.Series] = {}
    updates = []
    for name in columns:
        if name not in frame.columns or frame.schema[name] != pl.String:
            continue
        values = frame.get_column(name)
        shaped = values.str.contains(NISS_CANDIDATE).fill_null(False)
        if not shaped.any():
            continue
        changed = {}
        for value in values.filter(shaped).unique().to_list():
            masked = mask_niss_in_text(value)
            if masked != value:
                changed[value] = masked
        if not changed:
            continue
        found[name] = values.is_in(list(changed)).fill_null(False)
        updates.append(values.replace(changed).alias(name))
    return (frame.with_columns(updates) if updates else frame), found
