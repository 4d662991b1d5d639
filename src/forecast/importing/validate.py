"""Vectorised parsing of string columns: numbers, dates, booleans, categories, deal types.

Each parser takes a Series of strings (blank = '') and returns the parsed Series plus a
boolean mask of the values it could not read (blank values are never "bad": whether blank is
allowed is the caller's rule). No per-row Python loops on the happy path: a clean column is
parsed in one vectorised call; only the values that fail it get the slower fallbacks.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from forecast.importing.model import fmt

try:
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - pandas alone is slower but gives the same result
    pa = pc = None

CATEGORIES = ["Pipeline", "Best Case", "Commit", "Closed", "Omitted"]

# lower-cased, spaces removed -> canonical category
_CATEGORY_VALUES = {
    "pipeline": "Pipeline",
    "bestcase": "Best Case",
    "upside": "Best Case",
    "commit": "Commit",
    "forecast": "Commit",          # Salesforce API value shown as "Commit"
    "mostlikely": "Best Case",     # Salesforce's old middle category; see MOST_LIKELY_NOTE
    "omitted": "Omitted",
    "notforecasted": "Omitted",    # HubSpot
    "closed": "Closed",
    "closedwon": "Closed",         # HubSpot
}
MOST_LIKELY_NOTE = ("the Salesforce forecast category 'MostLikely' has no canonical "
                    "equivalent: read it as Best Case")

_NEW_TYPES = {"new", "newcustomer", "newbusiness", "newlogo", "hunter"}
_EXISTING_TYPES = {"existing", "existingcustomer", "existingbusiness", "renewal", "upsell",
                   "upgrade", "expansion", "crosssell", "farmer"}

_TRUE = {"1", "true", "t", "yes", "y", "x", "won", "closed"}
_FALSE = {"0", "false", "f", "no", "n", ""}

# Dates outside these years are typing slips or placeholders (0000-01-01, 9999-12-31), not
# sales dates; they count as unreadable, so they never stretch the fiscal calendar or a
# deal's weekly history over centuries.
EARLIEST_DATE, END_OF_DATES = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")

_SLASH_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?"
                         r"(?:\s*[AaPp][Mm])?)?$")


def strip(series: pd.Series) -> pd.Series:
    return series.astype("str").str.strip()


def on_uniques(series: pd.Series, func):
    """Apply `func` (Series -> array-like of the same length) to the distinct values only and
    spread the result back: columns like stage, category or a date repeat a few values a
    million times, so this is where the speed comes from."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    result = np.asarray(func(pd.Series(uniques, dtype=series.dtype)))
    return result[codes]


def blank(series: pd.Series) -> np.ndarray:
    return series.eq("").to_numpy()


def _key(series: pd.Series) -> pd.Series:
    """Lower case without spaces, dashes or underscores: 'Best Case' -> 'bestcase'."""
    return pd.Series(on_uniques(series, lambda u: u.str.lower().str.replace(
        r"[\s_\-]+", "", regex=True)), index=series.index, dtype="str")


def parse_number(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Floats from strings like '1234.5', '1,234.50', '$ 1 234', '1.234,50', '12 %'."""
    is_blank = blank(series)
    values = pd.Series(_fast_numbers(series, is_blank), index=series.index)
    retry = np.flatnonzero(np.isnan(values.to_numpy()) & ~is_blank)
    if len(retry):
        cleaned = _clean_numbers(series.iloc[retry])
        values.iloc[retry] = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype="float64")
    bad = ~is_blank & ~np.isfinite(values.to_numpy())
    values[bad] = np.nan
    return values, bad


def _fast_numbers(series: pd.Series, is_blank: np.ndarray) -> np.ndarray:
    """One Arrow cast when every value is a plain number (the usual case), else pandas."""
    if pa is not None:
        try:
            array = pa.array(series.to_numpy(dtype=object), type=pa.string())
            array = pc.if_else(pa.array(is_blank), pa.scalar(None, pa.string()), array)
            return pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return np.asarray(pd.to_numeric(series.where(~is_blank), errors="coerce"),
                      dtype="float64")


def _clean_numbers(series: pd.Series) -> pd.Series:
    text = series.str.replace(r"^[A-Z]{3}\s+|\s+[A-Z]{3}$", "", regex=True)
    text = text.str.replace(r"[\s$€£¥%'\u00a0\u202f]", "", regex=True)
    thousands = text.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
    text = text.where(~thousands, text.str.replace(",", "", regex=False))
    comma = text.str.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+,\d+")
    return text.where(~comma, text.str.replace(".", "", regex=False).str.replace(",", ".",
                                                                                 regex=False))


def parse_dates(series: pd.Series) -> tuple[pd.Series, np.ndarray, str | None]:
    """Timestamps (naive) from ISO dates/times, Salesforce API times ('...T10:00:00.000+0000'
    in UTC) or day/month formats such as 3/31/2026 or 31.03.2026, in the years 1900-2199.
    The third value is a note when a slash date had to be read as month/day or day/month.
    Parsed once per distinct value."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    values, bad, note = _parse_distinct_dates(pd.Series(uniques, dtype="str"))
    return (pd.Series(values.to_numpy()[codes], index=series.index), bad[codes], note)


def _parse_distinct_dates(series: pd.Series) -> tuple[pd.Series, np.ndarray, str | None]:
    is_blank = blank(series)
    parsed = pd.to_datetime(series.where(~is_blank), format="ISO8601", errors="coerce",
                            utc=True)
    values = pd.Series(parsed.dt.tz_convert(None).to_numpy(dtype="datetime64[us]"),
                       index=series.index)
    note = None
    retry = np.flatnonzero(values.isna().to_numpy() & ~is_blank)
    if len(retry):
        rest = series.iloc[retry]
        slash = rest.str.match(_SLASH_DATE).to_numpy()
        if slash.any():
            candidates = rest[slash]
            first = pd.to_numeric(candidates.str.extract(r"^(\d{1,2})", expand=False),
                                  errors="coerce")
            dots = candidates.str.contains(".", regex=False).all()
            dayfirst = bool(dots or (first > 12).any())
            found = pd.to_datetime(candidates, format="mixed", dayfirst=dayfirst,
                                   errors="coerce")
            values.iloc[retry[slash]] = found.to_numpy(dtype="datetime64[us]")
            example = candidates.iloc[0]
            note = (f"dates like '{example}' were read as "
                    f"{'day/month/year' if dayfirst else 'month/day/year'}")
    values = values.where((values >= EARLIEST_DATE) & (values < END_OF_DATES))
    bad = ~is_blank & values.isna().to_numpy()
    return values, bad, note


def to_date(values: pd.Series) -> pd.Series:
    """Midnight timestamps -> the day (datetime64 floored), the form the store's date columns
    take."""
    return values.dt.floor("D")


def parse_bool(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    key = pd.Series(on_uniques(series, lambda u: u.str.lower()), index=series.index)
    true = key.isin(_TRUE).to_numpy()
    false = key.isin(_FALSE).to_numpy()
    return pd.Series(true, index=series.index), ~(true | false)


def parse_category(series: pd.Series) -> tuple[pd.Series, np.ndarray, int]:
    """Canonical forecast categories; blank -> None. Returns (values, bad, MostLikely count)."""
    key = _key(series)
    mapped = pd.Series(on_uniques(key, lambda u: u.map(_CATEGORY_VALUES)), index=series.index,
                       dtype="str")
    is_blank = blank(series)
    bad = ~is_blank & mapped.isna().to_numpy()
    most_likely = int(key.eq("mostlikely").sum())
    return mapped, bad, most_likely


def parse_deal_type(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """'new' / 'existing' / None. Salesforce 'New Customer', 'Existing Customer - Upgrade',
    HubSpot newbusiness / existingbusiness. The mask marks non-blank values it could not
    place (they are kept without a type, not rejected)."""
    placed = on_uniques(series, _place_deal_types)
    out = pd.Series(placed, index=series.index, dtype="str")
    unplaced = ~blank(series) & out.isna().to_numpy()
    return out, unplaced


def _place_deal_types(values: pd.Series) -> np.ndarray:
    key = values.str.lower().str.replace(r"[\s_\-]+", "", regex=True)
    head = key.str.split(r"[:/(]", regex=True).str[0]
    new = key.isin(_NEW_TYPES) | head.isin(_NEW_TYPES)
    existing = (key.isin(_EXISTING_TYPES) | head.isin(_EXISTING_TYPES)
                | key.str.startswith("existingcustomer"))
    return np.where(new, "new", np.where(existing, "existing", None))


def slug(name: str) -> str:
    """A stable id from a person's name: 'Anna Snelling' -> 'anna-snelling'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 deal', '2 deals', '3 people'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def quoted_list(values, limit: int = 5) -> str:
    """"'A', 'B' and 3 more" for messages; a long value is cut to its first 40 characters."""
    values = list(values)
    shown = ", ".join(f"'{_short(str(v))}'" for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def duplicates(keys: pd.Series, lines: np.ndarray, what: str, shown: pd.Series | None = None):
    """Rows whose key already appeared on an earlier line (the first one is kept), and a
    reason builder "duplicates <what> 'K' on line N" (K from `shown`, default the key)."""
    codes, _ = pd.factorize(keys, use_na_sentinel=False)
    _, first_rows = np.unique(codes, return_index=True)
    dup = np.ones(len(keys), dtype=bool)
    dup[first_rows] = False
    dup &= keys.ne("").to_numpy()
    first_line = np.asarray(lines)[first_rows][codes]  # codes number keys by first sight
    return dup, fmt("duplicates " + what + " '{k}' on line {n}",
                    k=keys if shown is None else shown, n=first_line)
