"""Numbers become strings here and nowhere else; so does text from users and files that
is shown inside Markdown or a chart."""

from __future__ import annotations

import html
import math
import re

from forecast.metrics import METRICS

# Markdown's punctuation, Streamlit's `:color[...]` / `:icon:` directives and `$` math
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md_text(text: object) -> str:
    """`text` (a name, a note, a value from a file) to put inside Markdown so that it shows
    as typed: `**x**` stays two stars and an x, never bold."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def chart_text(text: object) -> str:
    """`text` for a plotly label, which reads a few HTML tags (<b>, <br>, <a>): escaped, so
    a name such as `<b>Ann</b>` is drawn as typed."""
    return html.escape(str(text), quote=False)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def currency(value: float | None, symbol: str = "$") -> str:
    """$1.2M, $850K, $-40K; exact below a thousand."""
    if _missing(value):
        return "–"
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1e9:
        return f"{sign}{symbol}{v / 1e9:.2f}B"
    if v >= 1e6:
        return f"{sign}{symbol}{v / 1e6:.2f}M"
    if v >= 1e3:
        return f"{sign}{symbol}{v / 1e3:.1f}K"
    return f"{sign}{symbol}{v:,.0f}"


def currency_exact(value: float | None, symbol: str = "$") -> str:
    if _missing(value):
        return "–"
    return f"-{symbol}{abs(value):,.0f}" if value < 0 else f"{symbol}{value:,.0f}"


def percent(value: float | None) -> str:
    return "–" if _missing(value) else f"{value * 100:.1f}%"


def multiple(value: float | None) -> str:
    return "–" if _missing(value) else f"{value:.2f}x"


def count(value: float | None) -> str:
    return "–" if _missing(value) else f"{int(value):,}"


_BY_FORMAT = {"currency": currency, "percent": percent, "multiple": multiple, "count": count}


def metric_value(name: str, value: float | None) -> str:
    """Format `value` the way metric `name` declares."""
    return _BY_FORMAT[METRICS[name].fmt](value)
