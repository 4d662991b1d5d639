"""Backup to Parquet and restore: a round trip gives the same rows, and every refusal leaves
both stores as they were.

The tiny company (tests/tiny_company.py) with its calls holds, by hand: 6 people, 7
reporting lines, 5 stages, 7 quotas, 9 deals, 12 snapshot rows on 2 snapshot dates, 6 calls
and 4 adjustments.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from forecast import aggregates, backup, calls, cli, db

import tiny_company

BY_HAND = {"people": 6, "reporting_lines": 7, "stages": 5, "quotas": 7, "opportunities": 9,
           "opportunity_snapshots": 12, "snapshots": 2, "submissions": 6, "adjustments": 4}


@pytest.fixture
def source(tmp_path):
    con = db.connect(tmp_path / "source.duckdb")
    tiny_company.load(con)
    tiny_company.load_calls(con)
    yield con
    con.close()


@pytest.fixture
def target(tmp_path):
    con = db.connect(tmp_path / "target.duckdb")
    yield con
    con.close()


def data(fingerprints: dict) -> dict:
    """schema_version records when each store was created, so it differs by design."""
    return {t: v for t, v in fingerprints.items() if t not in backup.META_TABLES}


def test_round_trip_gives_the_same_rows_and_ids_continue(source, target, tmp_path):
    manifest = backup.backup(source, tmp_path / "bk")
    rows = {t.table: t.rows for t in manifest.tables}
    assert {t: rows[t] for t in BY_HAND} == BY_HAND
    assert manifest.schema_version == db.latest_schema_version()
    assert manifest.sequences == {"submission_seq": 6, "adjustment_seq": 4}
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == sorted(
        [backup.MANIFEST] + [t.file for t in manifest.tables])

    restored = backup.restore(target, tmp_path / "bk")
    assert restored == manifest
    assert data(backup.fingerprints(target)) == data(backup.fingerprints(source))
    # the six restored calls keep ids 1..6; the next one is 7, as it would be in the source
    new_id = calls.submit_call(target, "R1", "2026-Q4", 300, 600, "", "R1",
                               datetime(2026, 11, 21, 9))
    assert new_id == 7


def test_derived_sums_are_left_out_and_rebuilt_after_a_restore(source, target, tmp_path):
    aggregates.refresh(source)  # what the command line does after an import
    manifest = backup.backup(source, tmp_path / "bk")
    assert not [t.table for t in manifest.tables if t.table.startswith("derived_")]
    backup.restore(target, tmp_path / "bk")
    aggregates.refresh(target)
    for table in ("derived_state_sums", "derived_closed_sums"):
        rebuilt, original = (c.execute("select * from query_table($t) order by all",
                                       {"t": table}).df() for c in (target, source))
        assert len(rebuilt) > 0
        pd.testing.assert_frame_equal(rebuilt, original, check_exact=False)


def test_backup_is_one_consistent_view_even_while_another_writer_is_busy(source, tmp_path):
    writer = source.cursor()
    writer.execute("begin transaction")
    writer.execute("insert into people (person_id, name) values ('NEW', 'Not yet committed')")
    manifest = backup.backup(source, tmp_path / "bk")
    writer.execute("commit")
    assert {t.table: t.rows for t in manifest.tables}["people"] == 6  # not 7


def test_cli_backup_and_restore(source, tmp_path, capsys):
    source.close()
    folder, restored = tmp_path / "bk", tmp_path / "restored.duckdb"
    assert cli.main(["--db", str(tmp_path / "source.duckdb"), "backup", str(folder)]) == 0
    said = capsys.readouterr().out
    tables = len(backup.Manifest.read(folder).tables)
    # 6 + 7 + 5 + 7 + 9 + 12 + 2 + 6 + 4 = 58 rows above, plus 34 fiscal periods (2026 and
    # 2027: 2 years + 8 quarters + 24 months) and 2 settings (fiscal start, data date)
    total = sum(BY_HAND.values()) + 34 + 2
    assert said == (f"Backed up {tables} tables ({total} rows, schema version "
                    f"{db.latest_schema_version()}) to {folder}.\n")
    assert cli.main(["--db", str(restored), "restore", str(folder)]) == 0
    assert capsys.readouterr().out == (
        f"Restored {tables} tables ({total} rows) from {folder} into {restored}.\n")
    first, second = db.connect(tmp_path / "source.duckdb"), db.connect(restored)
    assert data(backup.fingerprints(first)) == data(backup.fingerprints(second))


def test_restore_refuses_a_store_that_is_not_empty(source, tmp_path):
    backup.backup(source, tmp_path / "bk")
    before = backup.fingerprints(source)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(source, tmp_path / "bk")
    assert backup.fingerprints(source) == before


def test_backup_refuses_a_folder_with_files_in_it(source, tmp_path):
    folder = tmp_path / "bk"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(backup.BackupError, match="not an empty folder"):
        backup.backup(source, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def _edit_manifest(folder, **changes) -> None:
    path = folder / backup.MANIFEST
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def _drop_a_call(folder) -> None:
    """Rewrite submissions.parquet without its last call (5 of the manifest's 6 rows)."""
    con = db.connect(":memory:")
    path = str(folder / "submissions.parquet")
    con.execute("create table kept as select * from read_parquet($p) where submission_id < 6",
                {"p": path})
    con.execute("copy kept to $p (format parquet)", {"p": path})
    con.close()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: _edit_manifest(f, schema_version=99), "schema version 99"),
        (lambda f: (f / backup.MANIFEST).unlink(), "has no manifest.json"),
        (lambda f: (f / backup.MANIFEST).write_text("{not json"), "damaged"),
        (lambda f: (f / "quotas.parquet").unlink(), "quotas.parquet is missing"),
        # another table's rows under this table's name: the columns do not fit
        (lambda f: (f / "people.parquet").write_bytes((f / "stages.parquet").read_bytes()),
         "does not have the columns of the table people"),
        # the right columns, fewer rows than the manifest says
        (_drop_a_call, "submissions.parquet is damaged"),
        (lambda f: (f / "opportunities.parquet").write_bytes(b"PAR1 torn"), "cannot be restored"),
    ],
)
def test_a_damaged_or_mismatched_backup_restores_nothing(source, target, tmp_path, damage,
                                                         message):
    folder = tmp_path / "bk"
    backup.backup(source, folder)
    damage(folder)
    empty = backup.fingerprints(target)
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(target, folder)
    assert backup.fingerprints(target) == empty


def test_an_interrupted_backup_leaves_no_folder_that_looks_complete(source, tmp_path,
                                                                    monkeypatch):
    copied = []
    original = backup._copy_out

    def copy_then_fail(con, table, folder):
        if len(copied) == 3:
            raise OSError("disk full")
        copied.append(table)
        return original(con, table, folder)

    monkeypatch.setattr(backup, "_copy_out", copy_then_fail)
    with pytest.raises(OSError):
        backup.backup(source, tmp_path / "bk")
    assert not (tmp_path / "bk").exists()
    assert len(list((tmp_path / "bk.partial").iterdir())) == 3  # no manifest among them
    with pytest.raises(backup.BackupError, match="no manifest.json"):
        backup.restore(db.connect(":memory:"), tmp_path / "bk.partial")


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert cli.main(["--db", str(tmp_path / "t.duckdb"), "restore", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'nope'} is not a folder: name the folder a backup was " \
                  "made to.\n"
