"""Every colour of contract/colours.yml stands out from the white page: a contrast ratio of at
least 3:1 (WCAG 2.1, success criterion 1.4.11 « Non-text Contrast », for the graphical objects
a reader needs: bars, lines, points, areas). The colour-blind separation of the colours within
a list is tests/test_colours.py's."""

from __future__ import annotations

import pytest

from parcours import contract

WHITE = "#FFFFFF"
MINIMUM = 3.0


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_gives_the_known_ratios():
    # Oracles: black on white is 21:1; #767676 is the lightest grey at 4.5:1 (WebAIM).
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    assert contrast("#949494", WHITE) == pytest.approx(3.03, abs=0.01)


@pytest.mark.parametrize("name", list(contract.colours()))
def test_every_colour_has_3_to_1_against_the_white_page(name):
    faint = {
        code: (colour, round(contrast(colour, WHITE), 2))
        for code, colour in contract.colours()[name].items()
        if contrast(colour, WHITE) < MINIMUM
    }
    assert faint == {}
