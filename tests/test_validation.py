"""Checking an upload (EXPORT_FORMAT §1–4): the kind comes from the header, good rows come out typed
in the landing schema, bad rows are quarantined with their row, column, value and a French reason,
whole-file problems refuse the file, and no national number or name ever comes out."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.be import nn as stdnum_nn

from parcours.contract import KINDS
from parcours.core.errors import FileRejected
from parcours.upload import privacy
from parcours.upload.validation import check_file, check_rows, detect_kind, landing_schema

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"
KEY = b"test-key-" * 4
TODAY = date(2026, 6, 30)
CENTRE = "CISP-001"


def check(text: str | bytes, name: str = "export.csv", **options):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return check_file(content, name, CENTRE, pseudonym_key=KEY, today=TODAY, **options)


def niss(first9: str, from_2000: bool = False) -> str:
    # Check digits computed here, confirmed by python-stdnum: an oracle apart from the product.
    base = int(first9) + (2_000_000_000 if from_2000 else 0)
    digits = first9 + f"{97 - base % 97:02d}"
    assert stdnum_nn.is_valid(digits)
    return digits


# --- the example exports -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_both_example_sets_give_the_same_records(kind):
    canonical = check((EXAMPLES / "canonical" / f"{kind}.csv").read_bytes(), f"{kind}.csv")
    excel = check((EXAMPLES / "excel-fr" / f"{kind}.csv").read_bytes(), f"{kind}.csv")
    for checked in (canonical, excel):
        assert checked.kind == kind
        assert checked.quarantined == []
        assert checked.warnings == []
        assert checked.accepted.height == checked.rows_read
        assert checked.accepted.schema == landing_schema(kind)
    assert canonical.accepted.drop("extra").equals(excel.accepted.drop("extra"))


def test_example_values_arrive_as_codes_and_numbers():
    hours = check((EXAMPLES / "excel-fr" / "hours.csv").read_bytes(), "hours.csv").accepted
    assert hours.get_column("hours").sum() == 264.75
    assert hours.get_column("month").to_list()[1] == date(2024, 2, 1)
    barriers = check((EXAMPLES / "excel-fr" / "barriers.csv").read_bytes(), "b.csv").accepted
    assert barriers.row(0, named=True) | {"extra": None} == {
        "centre_id": CENTRE, "row_number": 1, "participant_id": "E-001",
        "assessed_on": date(2024, 1, 15), "barrier": "mobility", "level": 3, "extra": None,
    }  # fmt: skip


def test_landing_schema_follows_the_architecture_page():
    assert list(landing_schema("participants", with_batch_id=True)) == [
        "batch_id", "centre_id", "row_number", "participant_id", "entry_date", "birth_year",
        "gender", "education", "postal_code", "filiere", "training_area", "referral",
        "status_at_entry", "person_key", "extra",
    ]  # fmt: skip
    assert landing_schema("hours") == {
        "centre_id": pl.String, "row_number": pl.Int32, "participant_id": pl.String,
        "month": pl.Date, "hours": pl.Float64, "extra": pl.String,
    }  # fmt: skip
    assert landing_schema("barriers")["level"] == pl.Int8
    assert landing_schema("participants")["postal_code"] == pl.Int16


# --- other shapes a centre may send ----------------------------------------------------------


def test_xlsx_with_real_date_cells():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["N° stagiaire", "Date d'entrée", "Année de naissance", "CP", "Genre"])
    sheet.append(["E-001", date(2024, 1, 15), 1990, 4020, "Femme"])
    sheet.append(["E-002", date(2024, 2, 5), 1978.0, 6000.0, "h"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    checked = check(buffer.getvalue(), "stagiaires.xlsx")
    assert checked.kind == "participants"
    assert checked.quarantined == []
    assert checked.accepted.select("entry_date", "birth_year", "postal_code", "gender").rows() == [
        (date(2024, 1, 15), 1990, 4020, "F"),
        (date(2024, 2, 5), 1978, 6000, "M"),
    ]


def test_tab_separated_upper_case_synonyms_extras_and_identifiers():
    content = (
        "NOM\tPRÉNOM\tMATRICULE\tDATE_ENTREE\tSEXE\tGSM\tREMARQUE\tE-MAIL\tSTATUT\r\n"
        "Dupont\tMarie\tE-9\t02-09-2024\tF\t0470 12 34 56\tsuivie par Anne\tm@x.be\tCPAS\r\n"
        "Lambert\tJean\tE-10\t03.09.2024\tHomme\t\t\t\tchômage\r\n"
    )
    checked = check(content.encode("cp1252"), "export.txt")
    assert checked.kind == "participants"
    accepted = checked.accepted
    assert accepted.select("participant_id", "entry_date", "gender", "status_at_entry").rows() == [
        ("E-9", date(2024, 9, 2), "F", "ris"),
        ("E-10", date(2024, 9, 3), "M", "unemployment_benefit"),
    ]
    assert json.loads(accepted.get_column("extra")[0]) == {"REMARQUE": "suivie par Anne"}
    assert accepted.get_column("extra")[1] is None
    dumped = accepted.write_csv()
    for gone in ("Dupont", "Marie", "Lambert", "Jean", "0470", "m@x.be"):
        assert gone not in dumped
    dropped, extra = checked.warnings
    assert "« NOM », « PRÉNOM », « GSM », « E-MAIL »" in dropped
    assert "« REMARQUE »" in extra


def test_utf8_bom_and_quoted_fields_with_delimiter_quote_and_newline():
    content = (
        "\ufeffN° stagiaire;Date;Étape;Détail\r\n"
        'E-1;14/06/2024;Permis théorique;"réussi; ""enfin"" !\r\nau 2e essai"\r\n'
        "E-2;15/06/2024;Premier stage;\r\n"
    )
    checked = check(content, "etapes.csv")
    assert checked.kind == "milestones"
    assert checked.accepted.select("row_number", "milestone", "detail").rows() == [
        (1, "driving_theory", 'réussi; "enfin" !\nau 2e essai'),
        (2, "first_internship", None),
    ]


def test_a_shared_french_name_reads_in_the_kind_s_sense():
    # « Date » is the assessment date in a barriers file, the achievement date in a milestones one.
    barriers = check("N° stagiaire;Date;Frein;Niveau\nE-1;15/01/2024;Logement;Fort\n")
    milestones = check("N° stagiaire;Date;Étape\nE-1;15/01/2024;Permis B\n")
    assert barriers.kind == "barriers" and milestones.kind == "milestones"
    assert barriers.accepted.get_column("assessed_on").to_list() == [date(2024, 1, 15)]
    assert milestones.accepted.get_column("achieved_on").to_list() == [date(2024, 1, 15)]


def test_the_kind_with_the_most_header_columns_wins():
    # « Date de début » belongs to participants (entry_date) and partnerships (started_on).
    header = "N° stagiaire;Date de début;Type de partenaire;Partenaire;Objet\n"
    assert detect_kind(header.strip().split(";")).kind == "partnerships"
    assert detect_kind(["N° stagiaire", "Date de début", "Genre"]).kind == "participants"


def test_a_specific_header_beats_a_generic_one_for_the_same_column():
    checked = check(
        "participant_id;Date;Date d'évaluation;frein;niveau\nE-1;x;15/01/2024;logement;2\n"
    )
    assert checked.accepted.get_column("assessed_on").to_list() == [date(2024, 1, 15)]
    assert json.loads(checked.accepted.get_column("extra")[0]) == {"Date": "x"}
    assert any("« Date » non lue comme assessed_on" in w for w in checked.warnings)


def test_centre_id_column_equal_to_the_upload_centre_is_accepted():
    checked = check(f"code centre;participant_id;month;hours\n{CENTRE};E-1;2024-01;3\n")
    assert checked.accepted.get_column("centre_id").to_list() == [CENTRE]
    assert "code centre" not in (checked.accepted.get_column("extra")[0] or "")


# --- whole-file refusals -----------------------------------------------------------------------


def test_unrecognised_header_is_refused_with_the_header_and_the_closest_kind():
    with pytest.raises(FileRejected) as refused:
        check("Identifiant;Quand;Combien\nE-1;2024-01;3\n", "truc.csv")
    message = str(refused.value)
    assert refused.value.kind is None
    assert "truc.csv" in message and "type de fichier non reconnu" in message
    assert "« Identifiant ; Quand ; Combien »" in message
    assert "le plus proche" in message


def test_missing_required_column_is_named_with_its_french_name_and_the_header():
    with pytest.raises(FileRejected) as refused:
        check("N° stagiaire;Mois;Commentaire\nE-1;01/2024;x\n", "heures.csv")
    message = str(refused.value)
    assert refused.value.kind == "hours"
    assert "colonne obligatoire manquante" in message
    assert "hours (« heures »)" in message
    assert "« N° stagiaire ; Mois ; Commentaire »" in message


def test_several_missing_columns_are_all_named():
    with pytest.raises(FileRejected) as refused:
        check("N° stagiaire;Frein\nE-1;logement\n")
    assert refused.value.kind == "barriers"
    assert "assessed_on (« date d'évaluation »)" in str(refused.value)
    assert "level (« niveau »)" in str(refused.value)


def test_another_centre_in_the_file_refuses_it_whole():
    with pytest.raises(FileRejected) as refused:
        check("Numéro d'agrément;participant_id;month;hours\nCISP-001;E-1;2024-01;3\n"
              "CISP-777;E-2;2024-01;3\n")  # fmt: skip
    assert refused.value.kind == "hours"
    assert "« CISP-777 »" in str(refused.value) and CENTRE in str(refused.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "fichier vide"), (b"participant_id;month;hours\r\n", "aucune ligne de données"),
     (b"\x00\x01binary\x00", "illisible")],
)  # fmt: skip
def test_empty_and_unreadable_files_are_refused(content, fragment):
    with pytest.raises(FileRejected, match=fragment):
        check(content)


# --- row rules ---------------------------------------------------------------------------------

GOOD_ROWS = {
    "participants": {"participant_id": "E-1", "entry_date": "15/01/2024", "birth_year": "1990",
                     "gender": "F", "postal_code": "4020", "education": "CEB"},
    "barriers": {"participant_id": "E-1", "assessed_on": "15/01/2024", "barrier": "Logement",
                 "level": "Fort"},
    "partnerships": {"participant_id": "E-1", "started_on": "02/04/2024",
                     "partner_type": "CPAS", "ended_on": "30/08/2024"},
    "milestones": {"participant_id": "E-1", "achieved_on": "14/06/2024", "milestone": "Permis B"},
    "exits": {"participant_id": "E-1", "exit_date": "31/01/2025", "destination": "CDI"},
    "followups": {"participant_id": "E-1", "observed_on": "31/03/2025", "situation": "CDD"},
    "hours": {"participant_id": "E-1", "month": "01/2024", "hours": "64,5"},
}  # fmt: skip


def csv_of(kind: str, rows: list[dict]) -> str:
    columns = list(GOOD_ROWS[kind])
    lines = [";".join(columns)] + [";".join(row.get(c, "") for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


RULES = [
    ("participants", "participant_id", "", "valeur manquante"),
    ("participants", "entry_date", "", "valeur manquante"),
    ("participants", "entry_date", "31/02/2024", "date « 31/02/2024 » invalide"),
    ("participants", "entry_date", "15/03/2099", "date « 15/03/2099 » dans le futur"),
    ("participants", "entry_date", "15/03/1985", "antérieure au 01/01/1990"),
    ("participants", "birth_year", "1925", "valeur « 1925 » hors limites (de 1930 à 2011)"),
    ("participants", "birth_year", "2012", "hors limites (de 1930 à 2011)"),
    ("participants", "birth_year", "vers 1990", "nombre entier « vers 1990 » invalide"),
    ("participants", "postal_code", "999", "valeur « 999 » hors limites (de 1000 à 9999)"),
    ("participants", "postal_code", "10000", "hors limites"),
    ("participants", "gender", "Z", "valeur « Z » inconnue. Valeurs acceptées : F (Femme), M"),
    ("participants", "education", "Bac+12", "inconnue. Valeurs acceptées : none (Aucun diplôme)"),
    ("barriers", "level", "Très fort",
     "valeur « Très fort » inconnue. Valeurs acceptées : 0 (Absent / levé), 1 (Faible)"),
    ("barriers", "level", "4", "valeur « 4 » inconnue"),
    ("barriers", "barrier", "Mobilite reduite", "valeur « Mobilite reduite » inconnue"),
    ("barriers", "assessed_on", "2024-02-30", "invalide"),
    ("partnerships", "ended_on", "01/03/2024",
     "date « 01/03/2024 » antérieure à la date de début « 02/04/2024 »"),
    ("partnerships", "partner_type", "", "valeur manquante"),
    ("milestones", "milestone", "Lune", "inconnue"),
    ("exits", "destination", "", "valeur manquante"),
    ("exits", "exit_date", "1/1/1989", "antérieure au 01/01/1990"),
    ("followups", "observed_on", "31/12/2026", "dans le futur"),
    ("hours", "hours", "300", "valeur « 300 » hors limites (de 0 à 250)"),
    ("hours", "hours", "-1", "hors limites"),
    ("hours", "hours", "douze", "nombre « douze » invalide"),
    ("hours", "month", "13/2024", "mois « 13/2024 » invalide"),
    ("hours", "month", "07/2026", "dans le futur"),
    ("hours", "month", "12/1989", "antérieure au 01/01/1990"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "column", "value", "fragment"), RULES)
def test_each_rule_quarantines_exactly_the_bad_row(kind, column, value, fragment):
    good = GOOD_ROWS[kind]
    rows = [
        good,
        {**good, "participant_id": "E-2", column: value},
        {**good, "participant_id": "E-3"},
    ]
    if column == "participant_id":
        rows[1][column] = value
    checked = check(csv_of(kind, rows))
    assert checked.kind == kind
    assert checked.accepted.get_column("row_number").to_list() == [1, 3]
    [bad] = checked.quarantined
    assert bad.row_number == 2
    [error] = bad.errors
    assert error["row"] == 2 and error["column"] == column
    assert error["value"] == (value or None)
    assert error["message"].startswith(f"Ligne 2, colonne « {column} » : ")
    assert fragment in error["message"]
    assert bad.raw[column] == (value or None)


def test_a_row_reports_all_its_errors():
    row = {**GOOD_ROWS["hours"], "month": "13/2024", "hours": "999"}
    checked = check(csv_of("hours", [GOOD_ROWS["hours"], row]))
    [bad] = checked.quarantined
    assert [e["column"] for e in bad.errors] == ["month", "hours"]


def test_messages_name_the_column_as_written_in_the_file():
    checked = check("N° stagiaire;Date d'évaluation;Type de frein;Niveau\n"
                    "E-1;15/01/2024;Mobilité;Très fort\n")  # fmt: skip
    [error] = checked.quarantined[0].errors
    assert error["message"].startswith(
        "Ligne 1, colonne « Niveau » : valeur « Très fort » inconnue. Valeurs acceptées : "
        "0 (Absent / levé), 1 (Faible), 2 (Moyen), 3 (Fort)"
    )


@pytest.mark.parametrize(
    ("spelling", "level"),
    [("0", 0), ("3", 3), ("Fort", 3), ("faible", 1), ("Absent / levé", 0), ("LEVE", 0),
     ("moyen", 2), ("3.0", 3)],
)  # fmt: skip
def test_level_accepts_numbers_and_labels(spelling, level):
    checked = check(csv_of("barriers", [{**GOOD_ROWS["barriers"], "level": spelling}]))
    assert checked.accepted.get_column("level").to_list() == [level]


def test_birth_date_is_reduced_to_its_year_at_once():
    content = (
        "participant_id;entry_date;date de naissance\n"
        "E-1;15/01/2024;12/05/1985\n"
        "E-2;15/01/2024;12/05/2015\n"
        "E-3;15/01/2024;31/02/1985\n"
    )
    checked = check(content)
    assert checked.accepted.get_column("birth_year").to_list() == [1985]
    assert "birth_date" not in checked.accepted.columns
    too_young, invalid = checked.quarantined
    assert too_young.raw == {"participant_id": "E-2", "entry_date": "15/01/2024",
                             "birth_year": "2015"}  # fmt: skip
    assert too_young.errors[0]["value"] == "2015"
    assert "12/05/2015" not in json.dumps(too_young.errors)
    assert invalid.errors[0]["column"] == "birth_date"
    assert "invalide" in invalid.errors[0]["message"]


def test_duplicate_keys_stay_and_are_reported_last_row_wins():
    rows = [GOOD_ROWS["hours"], {**GOOD_ROWS["hours"], "month": "02/2024"},
            {**GOOD_ROWS["hours"], "hours": "10"}]  # fmt: skip
    checked = check(csv_of("hours", rows))
    assert checked.accepted.height == 3
    [warning] = checked.warnings
    assert "lignes 1 et 3" in warning and "la dernière ligne l'emporte" in warning


def test_a_federation_mapping_lets_a_quarantined_row_through_on_replay():
    rows = [GOOD_ROWS["barriers"], {**GOOD_ROWS["barriers"], "barrier": "Mobilite reduite"}]
    checked = check(csv_of("barriers", rows))
    [bad] = checked.quarantined
    raw = pl.DataFrame([{"row_number": bad.row_number, **bad.raw}])
    mappings = {"barrier": {"mobilitereduite": "mobility"}}
    accepted, still_bad = check_rows(
        "barriers", raw, CENTRE, pseudonym_key=KEY, mappings=mappings, today=TODAY
    )
    assert still_bad == []
    assert accepted.schema == landing_schema("barriers")
    assert accepted.select("row_number", "barrier", "level").rows() == [(2, "mobility", 3)]


# --- national numbers and conservation -----------------------------------------------------


def test_niss_becomes_a_person_key_and_never_comes_out():
    valid, after_2000 = niss("850730033"), niss("050101123", from_2000=True)
    typo = valid[:10] + str((int(valid[10]) + 1) % 10)
    dotted = f"{valid[:2]}.{valid[2:4]}.{valid[4:6]}-{valid[6:9]}.{valid[9:]}"
    content = (
        "participant_id;entry_date;numéro national;birth_year;remarque;rn\n"
        f"E-1;15/01/2024;{dotted};1985;ok;{valid}\n"
        f"E-2;15/01/2024;{after_2000};2005;;{after_2000}\n"
        f"E-3;15/01/2024;{typo};1985;;\n"
        f"{valid};15/01/2024;;1985;;\n"
        f"E-5;31/02/2024;{valid};1985;;\n"
    )
    checked = check(content)
    keys = checked.accepted.get_column("person_key").to_list()
    assert keys == [privacy.pseudonymise(valid, KEY), privacy.pseudonymise(after_2000, KEY)]
    bad_niss, niss_as_id, bad_date = checked.quarantined
    # Kept masked (no digit left) so that a replay refuses it again; no pseudonym for a typo.
    assert "person_key" not in bad_niss.raw and bad_niss.raw["niss"] == privacy.mask(typo)
    assert bad_niss.errors[0]["column"] == "niss" and "invalide" in bad_niss.errors[0]["message"]
    assert niss_as_id.errors[0]["column"] == "participant_id"
    assert "numéro national" in niss_as_id.errors[0]["message"]
    assert bad_date.raw["person_key"] == privacy.pseudonymise(valid, KEY)
    everything = (
        checked.accepted.write_csv()
        + json.dumps([(q.raw, q.errors) for q in checked.quarantined], ensure_ascii=False)
        + json.dumps(checked.warnings, ensure_ascii=False)
    )
    for number in (valid, after_2000, typo, dotted, valid[:6], typo[-5:]):
        assert number not in everything
    assert any("« rn »" in w for w in checked.warnings)


ROW_SHAPES = {
    "good": ({}, True),
    "bad month": ({"month": "13/2024"}, False),
    "bad hours": ({"hours": "beaucoup"}, False),
    "too many hours": ({"hours": "251"}, False),
    "no id": ({"participant_id": ""}, False),
    "iso month": ({"month": "2024-03"}, True),
    "date as month": ({"month": "15/03/2024 00:00"}, True),
    "point decimal": ({"hours": "12.25"}, True),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(ROW_SHAPES)), min_size=1, max_size=30))
def test_every_row_is_either_accepted_or_quarantined(shapes):
    rows = [
        {**GOOD_ROWS["hours"], "participant_id": f"E-{i}", **ROW_SHAPES[shape][0]}
        for i, shape in enumerate(shapes)
    ]
    checked = check(csv_of("hours", rows))
    assert checked.rows_read == len(shapes)
    assert checked.accepted.height + len(checked.quarantined) == len(shapes)
    good = [i + 1 for i, s in enumerate(shapes) if ROW_SHAPES[s][1]]
    assert checked.accepted.get_column("row_number").to_list() == good
    assert [q.row_number for q in checked.quarantined] == [
        i + 1 for i, s in enumerate(shapes) if not ROW_SHAPES[s][1]
    ]


def test_a_line_with_surplus_values_is_quarantined_and_not_echoed():
    # A comma-separated file with an unquoted decimal comma and an unquoted « Nom, Prénom ».
    content = (
        "participant_id,month,hours,nom\n"
        "E-1,2024-01,12,5,Dupont\n"
        "E-2,2024-02,3,Lambert\n"
        "E-3,2024-03,4,Dupont, Marie\n"
    )
    checked = check(content)
    assert checked.accepted.get_column("participant_id").to_list() == ["E-2"]
    assert [q.row_number for q in checked.quarantined] == [1, 3]
    for row in checked.quarantined:
        [error] = row.errors
        assert error["column"] == "*" and error["value"] is None
        assert "plus de valeurs que de colonnes" in error["message"]
    dumped = json.dumps([(q.raw, q.errors) for q in checked.quarantined], ensure_ascii=False)
    assert "Dupont" not in dumped and "Marie" not in dumped
    # A replay cannot make such a line acceptable.
    raw = pl.DataFrame([{"row_number": q.row_number, **q.raw} for q in checked.quarantined])
    accepted, still = check_rows("hours", raw, CENTRE, pseudonym_key=KEY, today=TODAY)
    assert accepted.height == 0 and len(still) == 2


def test_birth_dates_and_national_numbers_outside_participants_are_dropped():
    valid = niss("850730033")
    content = (
        "N° stagiaire;Mois;Heures;Date de naissance;Numéro national;Code\n"
        f"E-1;01/2024;3;12/05/1985;{valid[:9]}00;{valid}\n"
    )
    checked = check(content)
    assert checked.accepted.get_column("extra").to_list() == [None]
    personal, numbers = checked.warnings
    assert "« Date de naissance », « Numéro national »" in personal
    assert "« Code »" in numbers and "numéro national" in numbers
    assert "12/05/1985" not in checked.accepted.write_csv()


@pytest.mark.parametrize(
    "header",
    ["Nom", "Prénom + Nom", "Téléphone (domicile)", "Adresse e-mail du stagiaire", "Courriel",
     "NOM_STAGIAIRE", "N° GSM", "Rue et numéro", "IBAN"],
)  # fmt: skip
def test_identifier_headers_are_dropped_whatever_their_spelling(header):
    checked = check(f"N° stagiaire;Mois;Heures;{header}\nE-1;01/2024;3;secret\n")
    assert checked.accepted.get_column("extra").to_list() == [None]
    assert f"« {header} »" in checked.warnings[0] and "identification" in checked.warnings[0]


def test_other_extra_columns_are_kept_with_one_warning():
    checked = check("N° stagiaire;Mois;Heures;Nombre de jours;Groupe\nE-1;01/2024;3;2;B\n")
    assert json.loads(checked.accepted.get_column("extra")[0]) == {
        "Nombre de jours": "2", "Groupe": "B"
    }  # fmt: skip
    assert checked.warnings == [
        "Colonnes supplémentaires conservées telles quelles, sans vérification : "
        "« Nombre de jours », « Groupe »."
    ]


def test_a_file_without_header_does_not_echo_a_national_number():
    valid = niss("850730033")
    with pytest.raises(FileRejected) as refused:
        check(f"E-1;{valid};2024-01-15\nE-2;{valid};2024-01-16\n")
    assert valid not in str(refused.value) and "E-1" in str(refused.value)
