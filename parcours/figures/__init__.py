"""One specification per published figure: what it reads (one analytics function over the
marts), how it is drawn (a builder of `parcours.presentation`), its table (columns, Belgian
formats, masked cells), and its words (plain-French title, definition, public source, masking
note; the warehouse tables only for the method annex).

The dashboard (`parcours.dashboard.ui.show_figure`), the yearly report (`parcours.publish`) and
the public site render these specifications; none of them builds a figure of its own. Nothing
here knows Streamlit or an output format.

May import: `parcours.presentation`, `parcours.analytics` and below.
"""

from parcours.figures.spec import Column, Figure, Words

__all__ = ["Column", "Figure", "Words"]


def catalogue() -> dict:
    """Every figure specification by its id (for the site and the tests)."""
    from parcours.figures import accueil, freins, partenariats, resultats, trajectoires

    return {
        f.id: f
        for module in (accueil, freins, partenariats, resultats, trajectoires)
        for f in module.FIGURES
    }
