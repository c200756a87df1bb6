"""Text that a spreadsheet would evaluate, kept as text (OWASP, "CSV Injection").

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by Excel and LibreOffice: `=HYPERLINK(…)` in a project's name would become a
live link, `=cmd|' /C calc'!A0` a command. The CSV downloads prefix such text with a
single quote; the XLSX printouts write it as a string cell (`printing/cells.py`).
A plain signed number (`-8`, `+5.5%`) is no formula and is left as it is.
"""
from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not _SIGNED_NUMBER.fullmatch(text)


def csv_text(text: str) -> str:
    """A CSV cell's text as a spreadsheet shows it, never evaluates it."""
    return "'" + text if looks_like_formula(text) else text
