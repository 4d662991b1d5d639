"""Load test: twenty sessions on different pages and teams while an import runs through the
Data page. It proves three things and measures one:

- no error: no exception, no error message, no run that times out or loses its connection
  (and none of the "connection busy" / lock / conflict kind);
- no half-imported page: every total a reader is shown equals the total before the import or
  the total after it, for that page and team, never a mix;
- no stale page: a run that starts after the import has finished shows the new data;
- latency of each page under that load (p50, p95, max), from asking for a page to its end.

    .venv/bin/python bench/load_test.py                            # as documented
    .venv/bin/python bench/load_test.py --sessions 4 --reps 30 --teams 3   # a quick look

How. A demo company (`forecast demo`, 120 reps unless --reps) is built in a temporary folder
and served by `streamlit run app.py` on a free localhost port. The import file is the live
deals exported back out with every open amount raised by 10 % (a newer export of the same
deals), so every team's open numbers change. "Before" and "after" totals of every page and
team are read from the app itself by one session before the load and one after it, and the
Overview's are checked against the library's numbers on copies of the store without and with
the same import. The readers are browser-less Streamlit sessions (bench/streamlit_client.py:
the protocol a tab speaks, without drawing the page), because twenty Chromium tabs on two
cores spend the cores drawing charts and starve the server being measured; the import itself
is done by a real Chromium tab (Playwright) through the Data page's upload and Import button.
Each reader views pages in turn: a few before the import starts, as many as fit while it
runs, a few more once it has ended. Every loop is bounded: --max-steps page views per
reader, --deadline-s for the load, and a per-run timeout. Only 127.0.0.1 is contacted.

Writes bench/results/load.md (the last run) and prints the same table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))  # the app server and browser helpers

from playwright.async_api import async_playwright  # noqa: E402
from streamlit_client import Run, Session, date_choice, selectbox_choice  # noqa: E402

from forecast import db, hierarchy, importing  # noqa: E402

import expected  # noqa: E402
import harness  # noqa: E402

RESULTS = HERE / "results" / "load.md"
BUSY = re.compile(r"busy|lock|conflict|transaction|connection|closed|interrupt", re.I)
DEALS_CAPTION = re.compile(r"^[\d,]+ deals, -?\$[\d,.]+")
LADDER_TOTALS = ["system", "rolled_up", "effective", "open_pipeline"]


# ---- what a reader is shown ---------------------------------------------------------------


def shown_totals(run: Run) -> tuple:
    """The totals a person reads on the page: enough to tell the data before the import from
    the data after it, and to notice a page that mixes the two."""
    if run.page == "Rollup":
        top = run.frames()[0].iloc[0]
        return tuple(round(float(top[c]), 2) for c in LADDER_TOTALS)
    if run.page == "Data":
        counts = run.frames()[0]
        return tuple(zip(counts.iloc[:, 0], counts.iloc[:, 1], strict=True))
    totals = tuple(sorted(run.metrics().items()))
    if run.page == "Forecast review":
        deals = [m for m in run.markdown() if DEALS_CAPTION.match(m)]
        totals += (DEALS_CAPTION.match(deals[0]).group(0) if deals else None,)
    return totals


def problems(run: Run) -> list[str]:
    found = [f"exception {x}" for x in run.exceptions()]
    found += [f"error message {a}" for a in run.alerts("error")]
    if run.status != "ok":
        found.append(f"run ended: {run.status}")
    return found


@dataclass
class Step:
    """One page run of one reader."""

    reader: int
    team_id: str
    page: str
    started: float
    ended: float
    seconds: float
    problems: list[str]
    totals: tuple | None
    counted: bool = True  # False for the runs that set the reader up (date, team)


# ---- the store, the import file and the library's prediction ------------------------------


def export_with_raised_amounts(store: Path, out: Path) -> int:
    """The live deals as a canonical opportunities CSV (amounts in each deal's own currency),
    every open amount raised by 10 %."""
    con = db.connect(store)
    deals = con.execute("""
        select opportunity_id, opportunity_name, account_name, owner_id,
               case when is_closed then amount_original
                    else round(amount_original * 1.1, 2) end as amount,
               currency, stage_name, probability, forecast_category,
               cast(close_date as date) as close_date, cast(created_date as date) as created_date,
               deal_type, lead_source, segment
        from opportunities order by opportunity_id""").df()
    con.close()
    deals.to_csv(out, index=False)
    return len(deals)


def pick_teams(con, day: date, count: int) -> dict[str, str]:
    """person_id -> picker label of the top person and the managers below, widest first."""
    people = hierarchy.people_as_of(con, day)
    managers = people[people.team_size > 1].sort_values(["depth", "team_size"],
                                                        ascending=[True, False])
    labels = hierarchy.labels(people)
    return {pid: labels[pid] for pid in managers.person_id.head(count)}


def library_overview(store: Path, teams, day: date, csv: Path | None) -> dict[str, dict]:
    """The Overview numbers the library gives on a copy of `store` (after importing `csv`),
    for the period a new session starts on."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.duckdb"
        shutil.copyfile(store, copy)
        con = db.connect(copy)
        period_id = expected.defaults(con).period_id
        if csv is not None:
            result = importing.import_file(con, csv, as_of=day)
            if result.status != "loaded":
                raise RuntimeError(f"the library could not import {csv.name}: {result.message}")
        found = {t: expected.overview_metrics(con, t, period_id, day) for t in teams}
        con.close()
    return found


# ---- sessions -----------------------------------------------------------------------------


async def open_reader(url: str, day: date, team_label: str, timeout_s: float):
    """A session on the app with the as-of date and team set as a person would set them."""
    session = await Session(url, timeout_s).__aenter__()
    runs = [await session.run()]
    runs.append(await session.run(widgets=[
        date_choice(runs[-1].widget("date_input", "As of"), day)]))
    runs.append(await session.run(widgets=[
        selectbox_choice(runs[-1].widget("selectbox", "Team"), team_label)]))
    return session, runs


async def read_every_page(url: str, day: date, teams: dict[str, str], timeout_s: float):
    """(page, team) -> totals, read by one session per team: the reference states."""
    found, bad = {}, []
    for team_id, label in teams.items():
        session, runs = await open_reader(url, day, label, timeout_s)
        for page in session.pages:
            run = await session.run(page)
            bad += problems(run)
            found[page, team_id] = shown_totals(run) if not problems(run) else None
        bad += [p for r in runs for p in problems(r)]
        await session.__aexit__(None, None, None)
    return found, bad


@dataclass
class Load:
    """The readers' schedule. Each reader views `warm_steps` pages; when all have, the import
    may start; they keep reading while it runs, and stop after `after_steps` views that
    started once it had ended. `max_steps` per reader and `deadline` (seconds) bound it all."""

    url: str
    day: date
    teams: dict[str, str]
    sessions: int
    warm_steps: int
    after_steps: int
    max_steps: int
    deadline: float
    timeout_s: float
    t0: float = field(default_factory=time.monotonic)
    record: list[Step] = field(default_factory=list)
    warm: asyncio.Event = field(default_factory=asyncio.Event)
    import_end: float | None = None  # set by the importer, when its result is shown
    _warm_readers: int = 0

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, i: int, team_id: str, run: Run, counted: bool = True) -> Step:
        ended = self.now()
        step = Step(i, team_id, run.page, ended - run.seconds, ended, run.seconds,
                    problems(run), shown_totals(run) if counted and not problems(run) else None,
                    counted)
        self.record.append(step)
        return step

    def _after_import(self, step: Step) -> bool:
        return self.import_end is not None and step.started > self.import_end

    async def reader(self, i: int) -> None:
        team_id = list(self.teams)[i % len(self.teams)]
        session, runs = await open_reader(self.url, self.day, self.teams[team_id],
                                          self.timeout_s)
        for run in runs:
            self.add(i, team_id, run, counted=False)
        pages, after = list(session.pages), 0
        for k in range(self.max_steps):
            if self.now() > self.deadline or after >= self.after_steps:
                break
            step = self.add(i, team_id, await session.run(pages[(i + k) % len(pages)]))
            after += self._after_import(step)
            if k + 1 == self.warm_steps:
                self._warm_readers += 1
                if self._warm_readers == self.sessions:
                    self.warm.set()
        await session.__aexit__(None, None, None)


@dataclass
class ImportOutcome:
    started: float = 0.0
    finished: float = 0.0
    message: str = ""
    problems: list[str] = field(default_factory=list)
    screenshot: Path | None = None


async def settle(page) -> None:
    await page.wait_for_timeout(250)
    await page.wait_for_selector(harness.CONNECTED, state="attached")
    await page.wait_for_selector(harness.IDLE, state="attached")


async def browser_import(load: Load, csv: Path, shots: Path | None) -> ImportOutcome:
    """Upload `csv` on the Data page in Chromium and press Import once the readers are warm."""
    outcome = ImportOutcome()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=harness.chromium_path(),
                                          args=harness.CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(load.timeout_s * 1000)
        page.on("console", lambda m: harness.is_console_error(
            m.type, m.text, m.location.get("url", "")) and outcome.problems.append(
            f"console: {m.text}"))
        await page.goto(load.url)
        await settle(page)
        await page.locator(harness.NAV_LINK).filter(
            has=page.locator("span[label='Data']")).click()
        await settle(page)
        await page.get_by_role("tab", name="Import", exact=True).click()
        await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(csv)
        await settle(page)
        await asyncio.wait_for(load.warm.wait(), load.deadline)
        outcome.started = load.now()
        await page.get_by_role("button", name="Import", exact=True).click()
        result = page.get_by_test_id("stAlertContainer").filter(has_text=csv.name)
        await result.wait_for(timeout=load.timeout_s * 1000)
        outcome.finished = load.import_end = load.now()
        outcome.message = (await result.inner_text()).strip()
        outcome.problems += [f"exception {t}" for t in
                             await page.locator(harness.EXCEPTION).all_inner_texts()]
        if shots:
            outcome.screenshot = shots / "load-import.png"
            await page.screenshot(path=str(outcome.screenshot), full_page=True)
        await browser.close()
    return outcome


# ---- judging and reporting ----------------------------------------------------------------


BEFORE, AFTER, UNCHANGED = "before", "after", "unchanged"
STALE, NEITHER = "stale", "neither"
VERDICTS = {
    BEFORE: "the totals before the import",
    AFTER: "the totals after the import",
    UNCHANGED: "totals the import did not change (equal before and after)",
    STALE: "the totals before the import, in a run that started after it had ended",
    NEITHER: "a half-imported or wrong page",
}


def verdict(step: Step, before: dict, after: dict, import_end: float) -> str | None:
    """What a counted run showed, against the reference totals of its page and team."""
    if not step.counted or step.totals is None:
        return None
    old, new = before.get((step.page, step.team_id)), after.get((step.page, step.team_id))
    if step.totals == old == new:
        return UNCHANGED
    if step.totals == new:
        return AFTER
    if step.totals == old:
        return STALE if step.started > import_end else BEFORE
    return NEITHER


def mixed_parts(step: Step, before: dict, after: dict) -> str:
    """Which of a page's totals matched the state before the import and which after."""
    old, new = before.get((step.page, step.team_id)), after.get((step.page, step.team_id))
    if not old or not new or len(old) != len(new) or len(step.totals) != len(old):
        return f"{step.totals} (before {old}, after {new})"
    parts = [f"{shown} ({'before' if shown == o else 'after' if shown == n else 'neither'})"
             for shown, o, n in zip(step.totals, old, new, strict=True) if o != n]
    return "; ".join(parts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def page_rows(steps: list[Step], before: dict, after: dict, import_end: float) -> list[dict]:
    """Per page: runs, runs with errors, latency percentiles and what the runs showed."""
    by_page = defaultdict(list)
    for s in steps:
        if s.counted:
            by_page[s.page].append(s)
    rows = []
    for page, runs in by_page.items():
        secs = [r.seconds for r in runs]
        shown = Counter(verdict(r, before, after, import_end) for r in runs)
        rows.append({"page": page, "runs": len(runs),
                     "errors": sum(bool(r.problems) for r in runs),
                     "p50": statistics.median(secs), "p95": percentile(secs, 0.95),
                     "max": max(secs), **{v: shown[v] for v in VERDICTS}})
    return rows


def report(args, facts: dict, rows: list[dict], issues: list[str], mixed: list[str]) -> str:
    total = {v: sum(r[v] for r in rows) for v in VERDICTS}
    lines = [
        "# Load test: twenty sessions while an import runs",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
        f"{facts['cores']} cores (load average {facts['load']:.1f} at the start: the machine "
        f"is shared), Python {platform.python_version()}: "
        f"`.venv/bin/python bench/load_test.py{facts['argv']}`.",
        "",
        f"- Store: the demo company with {args.reps} reps ({facts['deals']:,} deals); "
        f"{len(facts['teams'])} teams: {', '.join(facts['team_names'])}.",
        f"- Sessions: {args.sessions} readers (browser-less Streamlit sessions, "
        "bench/streamlit_client.py), each setting the as-of date and its team as a person "
        f"would, then viewing pages in turn, each from a different page: {args.warm_steps} "
        f"views before the import, as many as fit while it runs, {args.after_steps} after it "
        f"(at most {args.max_steps}); plus one Chromium tab importing through the Data "
        "page.",
        f"- Runs: {facts['runs']} page runs by the readers ({facts['setup_runs']} of them "
        f"setting up), {facts['reference_runs']} reference runs before and after the load, "
        f"in {facts['wall_s']:.0f} s in all.",
        f"- Import: {facts['deals']:,} rows, Import pressed at {facts['import_started']:.1f} s "
        f"into the load, its result shown at {facts['import_finished']:.1f} s: "
        f"\"{facts['import_message']}\"",
        f"- Runs that overlapped the import: {facts['overlapping']}; runs that started after "
        f"it had ended: {facts['after_import']}.",
        f"- Pages and teams whose totals the import changed: {facts['changed']} of "
        f"{facts['keys']}.",
        f"- The Overview's totals before and after equal the library's on copies of the "
        f"store without and with the same import, for every team: {facts['library_agrees']}.",
        "",
        "| page | runs | with errors | p50 s | p95 s | max s | before | after | unchanged "
        "| stale | neither |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {r['page']} | {r['runs']} | {r['errors']} | {r['p50']:.2f} | {r['p95']:.2f} "
              f"| {r['max']:.2f} | {r[BEFORE]} | {r[AFTER]} | {r[UNCHANGED]} | {r[STALE]} "
              f"| {r[NEITHER]} |" for r in rows]
    lines += ["", "Columns after the latencies: what each run showed — " +
              "; ".join(f"**{k}**: {v}" for k, v in VERDICTS.items()) + ".", "",
              f"**Errors: {len(issues)}**, of the \"connection busy\" kind (busy, lock, "
              f"conflict, transaction, closed connection): "
              f"{sum(bool(BUSY.search(i)) for i in issues)}. "
              f"**Half-imported or wrong pages: {total[NEITHER]}. Stale pages: "
              f"{total[STALE]}.**"]
    lines += [f"- {i}" for i in issues[:30]]
    if mixed:
        lines += ["", "Pages that showed neither state (each total marked with the state it "
                  "belongs to; totals the import did not change are left out):", ""]
        lines += [f"- {m}" for m in mixed[:30]]
    return "\n".join(lines) + "\n"


# ---- the run ------------------------------------------------------------------------------


async def load_phase(args, url: str, day: date, teams: dict, csv: Path):
    load = Load(url, day, teams, args.sessions, args.warm_steps, args.after_steps,
                args.max_steps, args.deadline_s, args.timeout_s)
    readers = [load.reader(i) for i in range(args.sessions)]
    results = await asyncio.gather(browser_import(load, csv, args.shots), *readers,
                                   return_exceptions=True)
    crashed = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    imported = results[0] if isinstance(results[0], ImportOutcome) else ImportOutcome()
    return load, imported, crashed


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--warm-steps", type=int, default=3,
                        help="page views of every reader before the import starts")
    parser.add_argument("--after-steps", type=int, default=3,
                        help="page views of every reader after the import has ended")
    parser.add_argument("--max-steps", type=int, default=40, help="page views per reader")
    parser.add_argument("--teams", type=int, default=8)
    parser.add_argument("--reps", type=int, default=120, help="size of the demo company")
    parser.add_argument("--deadline-s", type=float, default=600)
    parser.add_argument("--timeout-s", type=float, default=180, help="per run")
    parser.add_argument("--no-save", action="store_true", help="print only")
    parser.add_argument("--shots", type=Path, help="save a screenshot of the import here")
    return parser.parse_args(argv)


@dataclass
class Outcome:
    """Everything one run of the load test saw."""

    teams: dict[str, str]
    team_names: list[str]
    n_deals: int
    predicted_before: dict
    predicted_after: dict
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    load: Load | None = None
    imported: ImportOutcome = field(default_factory=ImportOutcome)
    issues: list[str] = field(default_factory=list)


def run(args, folder: Path, day: date) -> Outcome:
    store = harness.build_demo_store(folder / "load.duckdb", reps=args.reps)
    csv = folder / "newer-export.csv"
    n_deals = export_with_raised_amounts(store, csv)
    con = db.connect(store)
    teams = pick_teams(con, day, args.teams)
    names = hierarchy.people_as_of(con, day).set_index("person_id")["name"]
    con.close()
    out = Outcome(teams, [names[t] for t in teams], n_deals,
                  library_overview(store, teams, day, None),
                  library_overview(store, teams, day, csv))
    with harness.AppServer(store, folder / "streamlit.log") as server:
        out.before, bad_before = asyncio.run(read_every_page(server.url, day, teams,
                                                             args.timeout_s))
        out.load, out.imported, crashed = asyncio.run(load_phase(args, server.url, day,
                                                                 teams, csv))
        out.after, bad_after = asyncio.run(read_every_page(server.url, day, teams,
                                                           args.timeout_s))
    out.issues = (crashed + out.imported.problems + bad_before + bad_after
                  + [f"{s.page}: {p}" for s in out.load.record for p in s.problems])
    return out


def library_agrees(out: Outcome) -> bool:
    return all(
        out.before.get(("Overview", t)) == tuple(sorted(out.predicted_before[t].items()))
        and out.after.get(("Overview", t)) == tuple(sorted(out.predicted_after[t].items()))
        for t in out.teams)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    started, load_average = time.monotonic(), os.getloadavg()[0]
    day = date.today()  # the Data page's "Export taken on" default, and the readers' as-of
    with tempfile.TemporaryDirectory() as tmp:
        out = run(args, Path(tmp), day)
    steps, imported = out.load.record, out.imported
    facts = {
        "cores": os.cpu_count(), "load": load_average,
        "argv": "".join(f" {a}" for a in (sys.argv[1:] if argv is None else argv)),
        "deals": out.n_deals, "teams": out.teams, "team_names": out.team_names,
        "runs": len(steps), "setup_runs": sum(not s.counted for s in steps),
        "reference_runs": len(out.before) + len(out.after),
        "wall_s": time.monotonic() - started,
        "import_started": imported.started, "import_finished": imported.finished,
        "import_message": imported.message.replace("\n", " ")[:300],
        "overlapping": sum(s.started < imported.finished and s.ended > imported.started
                           for s in steps),
        "after_import": sum(s.started > imported.finished for s in steps),
        "changed": sum(out.before[k] != out.after.get(k) for k in out.before),
        "keys": len(out.before), "library_agrees": library_agrees(out),
    }
    rows = page_rows(steps, out.before, out.after, imported.finished)
    mixed = [
        f"{s.page}, team {out.teams[s.team_id].strip()}, run from {s.started:.1f} s to "
        f"{s.ended:.1f} s showed neither state: {mixed_parts(s, out.before, out.after)}"
        for s in steps if verdict(s, out.before, out.after, imported.finished) == NEITHER]
    text = report(args, facts, rows, out.issues, mixed)
    print(text)
    if not args.no_save:
        RESULTS.write_text(text)
        print(f"Saved to {RESULTS.relative_to(ROOT)}")
    failed = out.issues or not facts["library_agrees"] or any(r[NEITHER] or r[STALE]
                                                               for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
