"""The site's words for what it draws: a representative path in words (its text alternative),
and a table of typical paths × destinations read row by row."""

from __future__ import annotations

from parcours.presentation import formatting as fmt
from parcours.site import disclosure, render
from parcours.site.tables import Cell


def test_a_path_reads_as_its_spells():
    months = list(range(0, 6))
    states = ["Au centre"] * 3 + ["Formation"] * 2 + ["Emploi"]
    assert render.path_words(months, states) == (
        "Au centre (mois 0 à 2), puis Formation (mois 3 à 4), puis Emploi (mois 5) ; "
        "non observé après le mois 5."
    )
    whole = render.path_words(list(range(24)), ["Au centre"] * 24)
    assert whole == "Au centre (mois 0 à 23)."


def _cell(category, count, share=None, status=None):
    return Cell("parcours-types", "sector", "all", "exit_by_type", category, count, 100, share,
                status)  # fmt: skip


def test_a_crossed_table_has_one_row_per_type_and_says_what_is_masked():
    cells = [
        _cell("1:employment", 40, 0.4),
        _cell("1:none", None, None, disclosure.PRIMARY),
        _cell("2:employment", 0, 0.0),
        _cell("2:none", None, None, disclosure.COMPLEMENTARY),
    ]
    rows = {"1": "Vers l'emploi", "2": "Sans emploi"}
    columns = {"employment": "Emploi", "none": "Sans emploi ni formation"}
    table = render.crossed_table_html(cells, rows, columns, "Parcours type", "Légende")
    assert table.count('<tr><th scope="row">') == 2
    assert f"40 ({fmt.percent(0.4)})" in table and "40,0" in fmt.percent(0.4)
    assert f'<td class="n">{render.esc(render.COUNT_MASK)}</td>' in table
    assert '<td class="n">masqué</td>' in table
    assert '<td class="n">0</td>' in table  # a zero without its « 0,0 % »
    assert 'role="region" tabindex="0" aria-label="Légende"' in table
    words = render.crossed_summary(cells, rows, columns)
    assert "Vers l'emploi : surtout emploi (40" in words
    assert "Sans emploi : aucun effectif publiable" in words
