"""Cells a spreadsheet would run as formulas (CSV injection), neutralised and restored.

OWASP's advice for CSV files that people open in Excel or LibreOffice: a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula (``=cmd|' /C calc'!A0`` starts a program), so such a cell gets a single
quote in front, which the spreadsheet shows as text. The one function here is used
by every CSV we write (the subscriber export, the audit log download).

``restore_cell`` takes exactly that quote off again, so a file we wrote imports
unchanged. To keep the two exact inverses, a cell whose text already starts with
quotes followed by a formula character gets one quote more: ``'=x`` is written as
``''=x`` and read back as ``'=x``.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula."""
    return text[:1] in FORMULA_STARTS and text != ""


def _needs_quote(text: str) -> bool:
    return looks_like_formula(text.lstrip(QUOTE))


def neutralise_cell(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs: a quote in front when needed."""
    return QUOTE + text if _needs_quote(text) else text


def restore_cell(cell: str) -> str:
    """The text ``neutralise_cell`` was given: takes off exactly the quote it added."""
    if cell.startswith(QUOTE) and _needs_quote(cell[1:]):
        return cell[1:]
    return cell
