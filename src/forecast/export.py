"""Tables leave the product as CSV or Excel, with text that a spreadsheet must not run.

Text starting with = + - @ (or a tab or carriage return) is a formula to Excel and its kin;
such cells get a leading apostrophe so they stay text (OWASP's CSV-injection advice).
"""

from __future__ import annotations

import io

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_for_spreadsheet(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_safe_cell)
    return out


def to_csv(df: pd.DataFrame) -> bytes:
    """RFC 4180 line ends (CRLF), so a field holding a bare carriage return is quoted and
    cannot start a row of its own (where '=...' would be a formula again)."""
    return safe_for_spreadsheet(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def to_excel(df: pd.DataFrame) -> bytes:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    buffer = io.BytesIO()
    safe = safe_for_spreadsheet(df)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):  # Excel has no time zones
            safe[column] = safe[column].dt.tz_localize(None)
        elif safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            # a workbook cannot hold control characters at all: each shows as U+FFFD
            safe[column] = safe[column].map(
                lambda v: ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v)
    safe.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()
