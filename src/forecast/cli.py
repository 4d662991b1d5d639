"""The command line: `forecast <command>` (or `python -m forecast`)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from forecast import asof, db, hierarchy, history, overview
from forecast.calendar import PeriodError, fiscal_start_month, parse_period, period_containing

EXIT_USER_ERROR = 2
SUMMARY_COLUMNS = ["member_id", "name", "quota_amount", "closed_amount", "commit_amount",
                   "best_case_amount", "pipeline_amount", "commit_forecast",
                   "best_case_forecast", "open_pipeline", "upside", "weighted_pipeline",
                   "attainment", "gap_to_quota", "coverage"]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD)") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forecast", description=__doc__)
    parser.add_argument("--db", type=Path, help=f"store path (default ${db.DB_PATH_ENV} or "
                        f"{db.DEFAULT_DB_PATH})")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the demo company into the store")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--reps", type=int, default=120)
    demo.add_argument("--quarters", type=int, default=9)
    demo.add_argument("--force", action="store_true", help="replace an existing store file")

    imp = sub.add_parser("import", help="import CSV exports (or a Maven sample folder)")
    imp.add_argument("paths", nargs="+", type=Path)
    imp.add_argument("--kind", help="format; detected from the header when left out")
    imp.add_argument("--as-of", type=_date, help="date the export speaks for (default today)")

    snap = sub.add_parser("snapshot", help="record the live deals as a weekly snapshot")
    snap.add_argument("--date", type=_date, default=None, help="snapshot date (default today)")

    summary = sub.add_parser("summary", help="print the team's forecast for a period")
    summary.add_argument("--period", help="e.g. 2026-Q4 (default: the as-of date's quarter)")
    summary.add_argument("--team", help="person id at the top of the team (default: the top)")
    summary.add_argument("--as-of", type=_date, help="default: the date of the live data")
    summary.add_argument("--format", choices=["text", "csv", "json"], default="text")
    return parser


def _open(args) -> duckdb.DuckDBPyConnection:
    return db.connect(args.db or db.db_path())


def cmd_demo(args) -> int:
    from forecast import demo

    path = Path(args.db or db.db_path())
    if path.exists():
        if not args.force:
            print(f"{path} exists; use --force to replace it with a new demo company.")
            return EXIT_USER_ERROR
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    con = db.connect(path)

    def progress(fraction: float, message: str) -> None:
        print(f"  {fraction:4.0%}  {message}", file=sys.stderr)

    summary = demo.build_demo(con, seed=args.seed, reps=args.reps, quarters=args.quarters,
                              progress=progress)
    con.close()
    print(f"Demo company written to {path}: {summary}")
    return 0


def cmd_import(args) -> int:
    from forecast import importing

    con = _open(args)
    worst = 0
    for path in args.paths:
        if path.is_dir():
            result = importing.import_maven(con, path, as_of=args.as_of)
        else:
            result = importing.import_file(con, path, kind=args.kind, as_of=args.as_of)
        print(f"{result.source_file}: {result.status}. {result.message} "
              f"({result.rows_in} read, {result.rows_loaded} loaded, "
              f"{result.rows_rejected} rejected)")
        for line in result.assumptions:
            print(f"  assumed: {line}")
        for rej in result.rejects.head(20).itertuples():
            print(f"  line {rej.line_number}, {rej.column_name}: {rej.reason}")
        if result.rows_rejected > 20:
            print(f"  ... {result.rows_rejected - 20} more rejected rows in the import log")
        if result.status == "failed":
            worst = EXIT_USER_ERROR
    return worst


def cmd_snapshot(args) -> int:
    con = _open(args)
    day = args.date or date.today()
    added = history.take_snapshot(con, day)
    print(f"Snapshot of {day:%Y-%m-%d}: {added} deal rows recorded.")
    return 0


def _summary_frame(con, args):
    day = args.as_of or asof.data_date(con)
    when = asof.resolve_as_of(con, day)
    start_month = fiscal_start_month(con)
    period = (parse_period(args.period, start_month) if args.period
              else period_containing(day, "quarter", start_month))
    root = args.team or hierarchy.default_root(con, when.effective_date)
    if root is None:
        raise hierarchy.TeamError(
            "The store has no hierarchy yet: import people or build the demo.")
    return overview.team_forecast(con, root, period, when)


def cmd_summary(args) -> int:
    con = _open(args)
    f = _summary_frame(con, args)
    total = f.total.to_frame().T.assign(member_id=f.root_id, name=f"{f.root_name} (team total)")
    table = pd.concat([f.rows, total], ignore_index=True)[SUMMARY_COLUMNS]
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        payload = {"period": f.period.period_id, "team": f.root_id,
                   "as_of": f.as_of.requested.isoformat(), "source": f.as_of.describe(),
                   "rows": json.loads(table.to_json(orient="records"))}
        print(json.dumps(payload, indent=2))
    else:
        print(f"{f.root_name}'s team, {f.period.period_id}, {f.as_of.describe()}")
        print(table.to_string(index=False))
    return 0


COMMANDS = {"demo": cmd_demo, "import": cmd_import, "snapshot": cmd_snapshot,
            "summary": cmd_summary}
USER_ERRORS = (db.StoreError, PeriodError, asof.AsOfError, hierarchy.TeamError,
               FileNotFoundError, ValueError)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
