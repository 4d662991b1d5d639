"""Server-side time of one page under Streamlit's AppTest, in a process of its own, so that
its caches start empty and its peak memory is the page's own.

    .venv/bin/python -m bench.pages STORE pages/overview_page.py   # prints one JSON line

Steps, each timed from the widget change to the end of the script run: the first view
(the process has imported the app's modules, opened the store and shown the Data page, as a
running server has, but nothing this page reads is cached), a change of period (the previous
one: new numbers),
back to the first period (a repeated view), a change of team (a direct report of the top:
new numbers), and a rerun with nothing changed. On a page whose tabs run only when open
(TABS), then each other tab in turn: opening it (its own reads, for the team already shown)
and a change of team while it is open (another direct report: new numbers).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 900


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def _failed(at) -> str | None:
    if at.exception:
        return str(at.exception[0].value)
    return None


def _other_period(at) -> tuple[str, str] | None:
    try:
        box = at.sidebar.selectbox(key="period_id")
    except KeyError:
        return None
    current, options = box.value, box.options
    here = options.index(next(o for o in options if o.startswith(current)))
    return current, options[max(0, here - 1)].split()[0]


def _teams_below(at) -> list[str]:
    """The people below the top, largest team first (so a direct report of the top first)."""
    try:
        box = at.sidebar.selectbox(key="team_id")
    except KeyError:
        return []
    from forecast import db, hierarchy
    from forecast.ui import cached

    con = db.connect(db.db_path())
    people = hierarchy.people_as_of(con, cached.data_date())
    con.close()
    below = people[people.person_id != box.value].sort_values("team_size", ascending=False)
    return [str(p) for p in below.person_id]


# pages whose tabs run only when open: the tabs' session key and the tabs after the first
TABS = {"pages/forecast_review.py": ("review_tab", ("Deals", "What moved", "The call")),
        "pages/rollup_page.py": ("rollup_tab", ("The team at a glance",
                                                "Can the callers be trusted?")),
        "pages/whatif_page.py": ("wi_tab", ("Scenarios side by side",
                                            "How far to trust the range"))}


def _tab_steps(at, page: str, teams: list[str]) -> dict[str, float]:
    key, tabs = TABS.get(page, (None, ()))
    times = {}
    for tab, team in zip(tabs, teams, strict=False):
        at.session_state[key] = tab
        times[f"tab {tab}: open"] = _timed(at.run)
        times[f"tab {tab}: change team"] = _timed(
            at.sidebar.selectbox(key="team_id").set_value(team).run)
        if _failed(at):
            break
    return times


def _warm_server(app) -> None:
    """What a running server has done before this page is opened: imported the app's
    modules, opened the store and shown another page (the Data page, which computes nothing
    the other pages read)."""
    app.switch_page("pages/data_page.py")
    app.run()


def measure(store: Path, page: str) -> dict:
    os.environ["FORECAST_DB"] = str(store)
    from streamlit.testing.v1 import AppTest

    # one AppTest throughout: a new one looks for installed components (every package's
    # metadata) on its first run, which a running server did once when it started
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    _warm_server(at)
    at.switch_page(page)
    times = {"first view": _timed(at.run)}
    error = _failed(at)
    periods = None if error else _other_period(at)
    if periods:
        current, other = periods
        times["change period"] = _timed(
            at.sidebar.selectbox(key="period_id").set_value(other).run)
        times["back to the first period"] = _timed(
            at.sidebar.selectbox(key="period_id").set_value(current).run)
    teams = [] if error else _teams_below(at)
    if teams:
        times["change team"] = _timed(
            at.sidebar.selectbox(key="team_id").set_value(teams[0]).run)
    if not error:
        times["rerun, nothing changed"] = _timed(at.run)
        times |= _tab_steps(at, page, teams[1:])
    error = error or _failed(at)
    return {"page": page, "ms": times, "peak_mb": peak_mb(), "error": error}


def peak_mb(pid: str = "self") -> float:
    """The most resident memory the process has had (VmHWM). Not ru_maxrss: Linux carries a
    parent's high-water mark into a child it forks, so a child would report the parent's."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    store, page = (argv or sys.argv[1:])[:2]
    print(json.dumps(measure(Path(store), page)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
