"""`parcours centres add` registers the centres that uploads are checked against."""

from parcours.store import opstore


def test_add_a_centre(cli, conn):
    result = cli(
        "centres",
        "add",
        "CISP-042",
        "--name",
        "Le Tremplin",
        "--federation",
        "aleap",
        "--postal-code",
        "4020",
    )
    assert result.exit_code == 0
    assert result.output == "Centre CISP-042 enregistré (Le Tremplin, ALEAP).\n"
    assert opstore.get_centre(conn, "CISP-042") == {
        "centre_id": "CISP-042",
        "centre_name": "Le Tremplin",
        "federation": "ALEAP",
        "postal_code": 4020,
        "created_at": opstore.get_centre(conn, "CISP-042")["created_at"],
    }
    assert opstore.list_audit(conn, "centre_added")[0]["actor"] == "test@parcours.be"


def test_federation_spelling_is_forgiving_but_stored_canonical(cli, conn):
    result = cli(
        "centres", "add", "C1", "--name", "Alpha", "--federation", "lire et ecrire WALLONIE"
    )
    assert result.exit_code == 0
    assert opstore.get_centre(conn, "C1")["federation"] == "Lire et Écrire Wallonie"


def test_unknown_federation_is_refused(cli, conn):
    result = cli("centres", "add", "C1", "--name", "Alpha", "--federation", "FEB")
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : Fédération inconnue : « FEB ». Valeurs acceptées : ACFI, AID, ALEAP, CAIPS, "
        "Lire et Écrire Wallonie.\n"
    )
    assert opstore.list_centres(conn) == []


def test_bad_postal_code_is_refused(cli):
    result = cli(
        "centres", "add", "C1", "--name", "A", "--federation", "AID", "--postal-code", "999"
    )
    assert result.exit_code == 2
    assert "Code postal invalide : « 999 »" in result.stderr


def test_a_centre_is_registered_once(cli, centre):
    result = cli("centres", "add", centre, "--name", "Autre", "--federation", "AID")
    assert result.exit_code == 2
    assert result.stderr == "Erreur : Le centre « CISP-001 » existe déjà.\n"


def test_list_centres(cli, centre):
    result = cli("centres", "list")
    assert result.exit_code == 0
    assert result.output == "CISP-001 — Le Tremplin (ALEAP, 4020)\n"
