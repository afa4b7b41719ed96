"""Formula injection in CSV: the check looks past leading whitespace and control characters."""

from __future__ import annotations

import csv
import io

import pytest

from footfall import export
from footfall.spreadsheet import escape_text, looks_like_formula

HIDDEN_FORMULAS = [
    "\n=1+1", " =1+1", "\u00a0=HYPERLINK(\"http://evil\")", "  \n @SUM(A1)", "\u200b+1", "\ufeff-2+3",
    "\x00=1", "\x1b=1", "\u3000=1", "\u2028=1",
]


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", *HIDDEN_FORMULAS])
def test_formulas_are_escaped_wherever_they_start(text: str) -> None:
    assert looks_like_formula(text)
    assert escape_text(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "", " ", "a=b", "1-2", "Ωmega", "  padded", "\u00a0nbsp"])
def test_plain_text_is_left_alone(text: str) -> None:
    assert escape_text(text) == text


def test_the_raw_export_uses_the_same_rule() -> None:
    records = [{"title": title} for title in HIDDEN_FORMULAS]
    rows = list(csv.reader(io.StringIO("".join(export.csv_lines(records, columns=["title"])))))
    assert [row[0] for row in rows[1:]] == ["'" + title for title in HIDDEN_FORMULAS]
