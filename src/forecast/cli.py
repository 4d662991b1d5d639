"""The command line: `forecast <command>` (or `python -m forecast`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from forecast import (
    access,
    aggregates,
    asof,
    calls,
    db,
    deals,
    export,
    formatting,
    hierarchy,
    history,
    overview,
    quality,
    rollup,
)
from forecast.calendar import PeriodError, fiscal_start_month, parse_period, period_containing

EXIT_USER_ERROR = 2
USER_ENV = "FORECAST_USER"  # the email reports are scoped to when --as-user is not given


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD)") from exc


def _parser() -> argparse.ArgumentParser:
    store = argparse.ArgumentParser(add_help=False)
    # accepted before or after the command; SUPPRESS keeps the later one from resetting it
    store.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                       help=f"store path (default ${db.DB_PATH_ENV} or {db.DEFAULT_DB_PATH})")
    parser = argparse.ArgumentParser(prog="forecast", description=__doc__, parents=[store])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[store], **kwargs)

    demo = command("demo", help="build the demo company into the store")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--reps", type=int, default=120)
    demo.add_argument("--quarters", type=int, default=9)
    demo.add_argument("--force", action="store_true", help="replace an existing store file")

    imp = command("import", help="import CSV exports (or a Maven sample folder)")
    imp.add_argument("paths", nargs="+", type=Path)
    imp.add_argument("--kind", help="format; detected from the header when left out")
    imp.add_argument("--as-of", type=_date, help="date the export speaks for (default today)")

    snap = command("snapshot", help="record the live deals as a weekly snapshot")
    snap.add_argument("--date", type=_date, default=None, help="snapshot date (default today)")

    command("summary", help="what the store holds, and the top team's forecast")

    backup = command("backup", help="copy the whole store to a new folder of Parquet files")
    backup.add_argument("folder", type=Path)
    restore = command("restore", help="load a backup folder into a new, empty store (--db)")
    restore.add_argument("folder", type=Path)

    report = command("report", help="a page's numbers, for scripts")
    report.add_argument("report", choices=sorted(REPORTS))
    report.add_argument("--period", help="e.g. 2026-Q4 (default: the as-of date's quarter)")
    report.add_argument("--team", help="person id at the top of the team (default: the top)")
    report.add_argument("--as-of", type=_date, help="default: the date of the live data")
    report.add_argument("--single-category", action="store_true",
                        help="single-category columns instead of cumulative forecasts")
    report.add_argument("--depth", type=int, default=99,
                        help="rollup: levels below the team to include")
    report.add_argument("--measure", choices=["commit", "best_case"], default="commit",
                        help="rollup: which number the ladder shows")
    report.add_argument("--format", choices=["text", "csv", "json"], default="text")
    report.add_argument("--as-user", metavar="EMAIL",
                        help=f"scope to what this person may see in the app: their own team "
                        f"(default ${USER_ENV}; unset = everything)")

    whatif = command("whatif", help="projected range (P10/P50/P90) and saved scenarios")
    whatif.add_argument("--scenario", action="append", default=[], metavar="NAME",
                        help="a saved scenario (its latest version); repeat to compare several")
    whatif.add_argument("--period", help="e.g. 2026-Q4 (default: the as-of date's quarter)")
    whatif.add_argument("--team", help="person id at the top of the team (default: the top)")
    whatif.add_argument("--as-of", type=_date, help="default: the date of the live data")
    whatif.add_argument("--seed", type=int, default=7, help="same seed, same range")
    whatif.add_argument("--simulations", type=int, default=10_000)
    whatif.add_argument("--format", choices=["text", "csv", "json"], default="text")
    whatif.add_argument("--as-user", metavar="EMAIL", help="as for report")
    return parser


def _store_path(args) -> Path:
    return Path(getattr(args, "db", None) or db.db_path())


def _open(args) -> duckdb.DuckDBPyConnection:
    return db.connect(_store_path(args))


def cmd_demo(args) -> int:
    from forecast import demo

    path = _store_path(args)
    if path.exists() and not args.force:
        print(f"{path} exists; use --force to replace it with a new demo company.")
        return EXIT_USER_ERROR
    # built beside the target and moved into place at the end, so an interrupted build never
    # leaves a half-made store where the app would find it
    building = path.with_name(path.name + ".building")
    building.unlink(missing_ok=True)
    con = db.connect(building)

    def progress(fraction: float, message: str) -> None:
        print(f"  {fraction:4.0%}  {message}", file=sys.stderr)

    try:
        summary = demo.build_demo(con, seed=args.seed, reps=args.reps, quarters=args.quarters,
                                  progress=progress)
        aggregates.refresh(con)  # the rollups' sums, so the first page is fast
        con.execute("checkpoint")
    finally:
        con.close()
    Path(f"{path}.wal").unlink(missing_ok=True)
    building.replace(path)
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
    aggregates.refresh(con)
    return worst


def cmd_snapshot(args) -> int:
    con = _open(args)
    day = args.date or date.today()
    added = history.take_snapshot(con, day)
    aggregates.refresh(con)
    print(f"Snapshot of {day:%Y-%m-%d}: {added} deal rows recorded.")
    return 0


def _team_forecast(con, args) -> overview.TeamForecast:
    day = args.as_of or asof.data_date(con)
    when = asof.resolve_as_of(con, day)
    start_month = fiscal_start_month(con)
    period = (parse_period(args.period, start_month) if args.period
              else period_containing(day, "quarter", start_month))
    viewer = _viewer(con, args)
    root = args.team or access.home_team(viewer) or hierarchy.default_root(
        con, when.effective_date)
    if root is None:
        raise hierarchy.TeamError(
            "The store has no hierarchy yet: import people or build the demo.")
    access.check_team(con, viewer, root, day)
    return overview.team_forecast(con, root, period, when)


def _viewer(con, args) -> access.Viewer:
    """Who the report is for: --as-user, else $FORECAST_USER, else everyone (one user)."""
    email = getattr(args, "as_user", None) or os.environ.get(USER_ENV)
    return access.viewer_for(con, email) if email else access.SINGLE_USER


def _forecast_report(con, args, f: overview.TeamForecast) -> pd.DataFrame:
    return overview.forecast_table(f, cumulative=not args.single_category)


def _deals_report(con, args, f: overview.TeamForecast) -> pd.DataFrame:
    found = deals.deal_list(con, f.root_id, f.period, f.as_of)
    return found.drop(columns=[c for c in found.columns if c.startswith("is_")])


def _rollup_report(con, args, f: overview.TeamForecast) -> pd.DataFrame:
    moment = calls.review_moment(f.as_of.requested, calls.lock_of(con), datetime.now(),
                                 f.as_of.is_live)
    ladder = rollup.call_ladder(con, f.root_id, f.period, f.as_of, moment)
    return rollup.ladder_view(ladder, args.measure, args.depth)


REPORTS = {"forecast": _forecast_report, "deals": _deals_report, "rollup": _rollup_report}


def _emit(table: pd.DataFrame, f: overview.TeamForecast, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(export.to_csv(table).decode("utf-8"))
    elif fmt == "json":
        payload = {"period": f.period.period_id, "team": f.root_id,
                   "as_of": f.as_of.requested.isoformat(), "source": f.as_of.describe(),
                   "rows": json.loads(table.to_json(orient="records", date_format="iso"))}
        print(json.dumps(payload, indent=2))
    else:
        print(f"{f.root_name}'s team, {f.period.period_id}, {f.as_of.describe()}")
        print(table.to_string(index=False))


def cmd_report(args) -> int:
    con = _open(args)
    f = _team_forecast(con, args)
    _emit(REPORTS[args.report](con, args, f), f, args.format)
    return 0


def cmd_summary(args) -> int:
    con = _open(args)
    print(quality.table_counts(con).to_string(index=False))
    print(f"Live data as of {asof.data_date(con):%Y-%m-%d}.")
    args.as_of = args.period = args.team = None
    if hierarchy.default_root(con, asof.data_date(con)) is not None:
        f = _team_forecast(con, args)
        t = f.total
        print(f"{f.root_name}'s team, {f.period.period_id}: closed "
              f"{formatting.currency_exact(t.closed_amount)}, commit forecast "
              f"{formatting.currency_exact(t.commit_forecast)}, best case forecast "
              f"{formatting.currency_exact(t.best_case_forecast)}, quota "
              f"{formatting.currency_exact(t.quota_amount)}.")
    return 0


def cmd_backup(args) -> int:
    from forecast import backup

    manifest = backup.backup(_open(args), args.folder)
    print(f"Backed up {len(manifest.tables)} tables ({manifest.total_rows:,} rows, schema "
          f"version {manifest.schema_version}) to {args.folder}.")
    return 0


def cmd_restore(args) -> int:
    from forecast import backup

    path = _store_path(args)
    manifest = backup.restore(_open(args), args.folder)
    print(f"Restored {len(manifest.tables)} tables ({manifest.total_rows:,} rows) from "
          f"{args.folder} into {path}.")
    return 0


def cmd_whatif(args) -> int:
    from forecast.whatif import compare

    con = _open(args)
    f = _team_forecast(con, args)
    table, notes = compare.scenario_table(con, f.root_id, f.period, f.as_of, args.scenario,
                                          args.simulations, args.seed, datetime.now())
    for note in notes:  # on stderr, so that csv and json stay machine-readable
        print(note, file=sys.stderr)
    if args.format == "text":  # one column per scenario reads better than 16 columns
        print(f"{f.root_name}'s team, {f.period.period_id}, {f.as_of.describe()}")
        print(compare.as_text(table).to_string())
    else:
        _emit(table, f, args.format)
    return 0


COMMANDS = {"demo": cmd_demo, "import": cmd_import, "snapshot": cmd_snapshot,
            "summary": cmd_summary, "report": cmd_report, "backup": cmd_backup,
            "restore": cmd_restore, "whatif": cmd_whatif}
USER_ERRORS = (db.StoreError, PeriodError, asof.AsOfError, hierarchy.TeamError, access.AccessError,
               FileNotFoundError, ValueError)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()
        return status
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, as command-line tools do, and say
        # so, because what was not yet written was not done.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("error: the output was closed early; the command stopped there.",
              file=sys.stderr)
        return EXIT_USER_ERROR
