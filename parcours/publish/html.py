"""The report as one self-contained HTML page (styles and SVG charts inline): the same content as
the PDF, for reading on screen or pasting into a web page. Every text is escaped."""

from __future__ import annotations

from html import escape

from parcours.publish.content import Figure, KeyFigure, Report, Table

STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; color: #141414; max-width: 60em;
       margin: 2em auto; padding: 0 1em; font-size: 15px; line-height: 1.45; }
h1 { color: #2E5A88; font-size: 2em; margin-bottom: .1em; }
h2 { color: #2E5A88; border-bottom: 2px solid #2E5A88; margin-top: 2em; }
h3 { color: #2E5A88; margin-top: 1.6em; }
.subtitle { font-size: 1.25em; margin: 0; }
.small, .definition { color: #5f5f5f; font-size: .85em; }
.frozen { background: #FFF4D6; padding: .6em .8em; border-radius: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12em, 1fr));
         gap: .5em; }
.card { background: #EEF3F8; border-radius: 4px; padding: .6em .8em; }
.card .label, .card .detail { color: #5f5f5f; font-size: .8em; }
.card .value { color: #2E5A88; font-size: 1.6em; font-weight: bold; }
table { border-collapse: collapse; font-size: .8em; margin: .5em 0 1em; }
th { background: #2E5A88; color: white; text-align: left; padding: .3em .5em; }
td { padding: .25em .5em; }
tr:nth-child(even) td { background: #f4f4f4; }
td.n { text-align: right; white-space: nowrap; }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; }
"""


def _table(t: Table | None) -> str:
    if t is None or not t.rows:
        return ""
    head = "".join(f"<th>{escape(c)}</th>" for c in t.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(v)}</td>' if numeric else f"<td>{escape(v)}</td>"
            for v, numeric in zip(row, t.numeric, strict=True)
        )
        + "</tr>"
        for row in t.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cards(cards: list[KeyFigure]) -> str:
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="label">{escape(k.label)}</div>'
            f'<div class="value">{escape(k.value)}</div>'
            f'<div class="detail">{escape(k.detail)}</div></div>'
            for k in cards
        )
        + "</div>"
    )


def _figure(f: Figure) -> str:
    parts = [f"<h3>{escape(f.title)}</h3>"]
    if f.svg:
        # The SVG comes from vl-convert (our own chart specifications), not from user text;
        # the labels inside it are escaped by Vega.
        parts.append(f'<figure role="img" aria-label="{escape(f.title)}">{f.svg}</figure>')
    elif f.note:
        parts.append(f'<p class="small">{escape(f.note)}</p>')
    parts.append(f"<p>{escape(f.caption)}</p>")
    parts.append(
        f'<p class="definition"><b>Définition.</b> {escape(f.definition)} '
        f"<b>Source :</b> {escape(f.source)}.</p>"
    )
    parts.append(_table(f.table))
    return "\n".join(parts)


def render(report: Report) -> bytes:
    r = report
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr-BE"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(r.title)} — {escape(r.subtitle)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(r.title)}</h1>",
        f'<p class="subtitle">{escape(r.subtitle)}</p>',
        f'<p class="small">Produit le {escape(r.produced_on)} par Parcours, à partir de '
        "l'entrepôt de données des CISP.</p>",
    ]
    if r.frozen:
        out.append(
            f'<p class="frozen"><b>{escape(r.frozen)}.</b> Ce rapport reproduit les chiffres '
            "publiés à l'arrêt de l'année ; les changements arrivés depuis sont listés en "
            "« Révisions », sans modifier ces chiffres.</p>"
        )
    out += [
        f"<h2>Chiffres clés {r.year}</h2>",
        _cards(r.key_figures),
        f"<p>{escape(r.coverage_summary)} {escape(r.presumed_exits)}</p>",
        '<p class="small">Entre parenthèses : l\'évolution par rapport à '
        f"{r.year - 1}."
        + (" Un effectif de 1 à 4 est masqué (« &lt; 5 »)." if r.masked else "")
        + "</p>",
        f"<h3>{escape(r.chiffres_title)}</h3>",
        _cards(r.chiffres),
    ]
    if r.revisions:
        rev = r.revisions
        out += [
            "<h2>Révisions depuis l'arrêt</h2>",
            f"<p>{escape(rev.summary)}</p>",
            _table(rev.figures),
            _table(rev.centres),
            _table(rev.uploads),
        ]
    for section in r.sections:
        out += [f"<h2>{escape(section.title)}</h2>", f"<p>{escape(section.intro)}</p>"]
        if section.absent:
            out.append(f'<p class="small">{escape(section.absent)}</p>')
        out += [_figure(f) for f in section.figures]
    out += ["<h2>Méthode</h2>", "<h3>Définitions</h3>", "<dl>"]
    out += [f"<dt><b>{escape(t)}</b></dt><dd>{escape(d)}</dd>" for t, d in r.definitions]
    out.append("</dl>")
    if r.masking:
        out += ["<h3>Petits effectifs masqués</h3>", "<ul>"]
        out += [f"<li>{escape(rule)}</li>" for rule in r.masking]
        out.append("</ul>")
    out += [
        "<h3>Sources des figures</h3>",
        '<p class="small">Tables de l\'entrepôt de données lues par chaque figure.</p>',
        "<dl>",
        *(f"<dt>{escape(t)}</dt><dd>{escape(tables)}</dd>" for t, tables in r.sources),
        "</dl>",
        "<h3>Données</h3>",
        f"<p>{escape(r.warehouse)}</p>",
        *(f"<p>{escape(note)}</p>" for note in r.notes),
        f"<p>{escape(r.coverage_summary)}</p>",
        _table(r.coverage),
        "</body></html>",
    ]
    return "\n".join(out).encode("utf-8")
