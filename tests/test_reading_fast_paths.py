"""The reading shortcuts agree with the plain way (issue 15 items 5–6, issue 17 item 4):

- a stray quote is found in bounded memory, but a value that merely ends with the delimiter
  (whose closing quote looks like an opening one) is not taken for one;
- Unicode digits become ASCII digits, and nothing else changes;
- when everything after the header is ASCII, the text and the parser's bytes are exactly what
  decoding the whole file would give.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.core.errors import FileRejected
from parcours.upload import reading
from parcours.upload.limits import UploadLimits
from parcours.upload.parsing import ascii_digits

LIMITS = UploadLimits(max_field_chars=1000)


def test_a_stray_quote_is_refused_with_its_line():
    lines = ["participant_id;month;hours"] + [f"P{i};03/2024;{i % 90}" for i in range(2000)]
    lines[4] = 'P3;"03/2024;12'
    with pytest.raises(FileRejected) as refused:
        reading.read_table("\n".join(lines).encode(), "h.csv", LIMITS)
    assert "à partir de la ligne 5 du fichier" in str(refused.value)
    assert "guillemet ouvert" in str(refused.value)


def test_a_value_ending_with_the_delimiter_is_no_stray_quote():
    # `"Note;"` closes with `;"`: a pattern alone would see a quote opening a long value.
    lines = ["participant_id;month;hours;remark", 'P0;03/2024;1;"Note;"']
    lines += [f"P{i};03/2024;{i % 90};ok" for i in range(1, 2000)]
    table = reading.read_table("\n".join(lines).encode(), "h.csv", LIMITS)
    assert table.height == 2000
    assert table.frame.row(0)[-1] == "Note;"


def test_unicode_digits_become_ascii_and_nothing_else_changes():
    assert ascii_digits("７９０１０１００１２３") == "79010100123"
    assert ascii_digits("٧٩.٠١") == "79.01"  # Arabic-Indic: not changed by NFKC alone
    assert ascii_digits("Zébulonne, Bâtiment") == "Zébulonne, Bâtiment"
    text = "participant_id;niss;remark\nE1;７９０１０１００１２３;Zoé à Liège\n"
    table = reading.read_table(text.encode(), "p.csv")
    assert table.frame.row(0)[1:] == ("E1", "79010100123", "Zoé à Liège")


@settings(max_examples=60, deadline=None)
@given(
    header=st.text(alphabet="abcNé°ü;_ ", min_size=1, max_size=30),
    body=st.lists(st.text(alphabet="abc019;,. \r", max_size=20), max_size=20),
    encoding=st.sampled_from(["cp1252", "utf-8"]),
)
def test_the_ascii_body_shortcut_gives_the_whole_file_decoding(header, body, encoding):
    content = (header + "\n" + "\n".join(body)).encode(encoding)
    text, found, utf8 = reading._decode(content, "f.csv")
    whole, whole_encoding = reading._decode_text(content.rstrip(b"\x1a"), "utf-8")
    assert (text, found) == (whole, whole_encoding)
    if utf8 is not None:
        assert utf8 == text.encode("utf-8")
