"""The import form of the Data page: upload, check the detected format, import, report."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import streamlit as st

from forecast import importing
from forecast.ui.store import cursor, data_changed, write_cursor

KINDS = {
    None: "Detect automatically",
    "opportunities": "Opportunities (canonical CSV)",
    "salesforce_opportunities": "Salesforce opportunities (report or data export)",
    "salesforce_history": "Salesforce OpportunityHistory",
    "salesforce_users": "Salesforce users (with ManagerId)",
    "salesforce_roles": "Salesforce user roles (with ParentRoleId)",
    "hubspot_deals": "HubSpot deals export",
    "people": "People and managers (canonical CSV)",
    "quotas": "Quotas (canonical CSV)",
    "leads": "Leads (canonical CSV)",
    "stages": "Stages (canonical CSV)",
}
MAVEN_FILES = {"sales_pipeline.csv", "sales_teams.csv"}


def assumption_list(raw: str | None) -> list[str]:
    try:
        return list(json.loads(raw or "[]"))
    except (TypeError, ValueError):
        return [str(raw)]


def _save_uploads(files, folder: Path) -> list[Path]:
    saved = []
    for f in files:
        target = folder / Path(f.name).name  # drop any directory part a browser might send
        target.write_bytes(f.getvalue())
        saved.append(target)
    return saved


def _run_import(paths: list[Path], kind: str | None, as_of: date, stage_mapping: dict | None):
    bar = st.progress(0.0, text="Starting the import")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    results = []
    with write_cursor() as cur:
        if MAVEN_FILES <= {p.name for p in paths}:
            results.append(importing.import_maven(cur, paths[0].parent, as_of=as_of,
                                                  progress=progress))
        else:
            for path in paths:
                results.append(importing.import_file(
                    cur, path, kind=kind, as_of=as_of, stage_mapping=stage_mapping,
                    progress=progress))
    bar.progress(1.0, text="Imported. Bringing the pages' sums up to date (a few minutes "
                 "for a million deals, seconds for a smaller company)")
    data_changed()
    bar.empty()
    return results


def _show_result(result) -> None:
    counts = (f"{result.rows_in:,} rows read, {result.rows_loaded:,} loaded, "
              f"{result.rows_rejected:,} rejected.")
    show = {"loaded": st.success, "unchanged": st.info,
            "loaded_with_rejects": st.warning}.get(result.status, st.error)
    show(f"**{result.source_file}**: {result.message} {counts}")
    for line in result.assumptions:
        st.markdown(f"- Assumed: {line}")
    if len(result.rejects):
        st.dataframe(result.rejects.head(1000), hide_index=True)
        st.caption("Every rejected row is kept: see the import log tab to download them all.")
    if result.unknown_stages:
        st.info("Unknown stages: " + ", ".join(result.unknown_stages) +
                ". Map them below and import again.")


def _stage_mapping_form(unknown: list[str]) -> dict[str, str]:
    with cursor() as cur:
        known = [r[0] for r in cur.execute(
            "select stage_name from stages order by stage_order").fetchall()]
    return {stage: st.selectbox(f"Map stage '{stage}' to", known, key=f"map_{stage}")
            for stage in unknown} if known else {}


def render() -> None:
    st.markdown(
        "Load a CSV export: opportunities (canonical, Salesforce, HubSpot), Salesforce "
        "opportunity history, users or roles, people, quotas, leads or stages. For the Maven "
        "sample, upload its `sales_pipeline.csv`, `sales_teams.csv`, `products.csv` and "
        "`accounts.csv` together. Importing a newer export of the same deals adds a snapshot; "
        "the same file twice changes nothing.")
    files = st.file_uploader("Files", type=["csv", "txt", "tsv", "xlsx"],
                             accept_multiple_files=True, key="upload")
    kind = st.selectbox("Format", list(KINDS), format_func=KINDS.get, key="import_kind")
    as_of = st.date_input("Export taken on", value=date.today(), max_value=date.today(),
                          key="import_as_of",
                          help="The date the export speaks for: its snapshot gets this date.")
    pending = st.session_state.get("unknown_stages", [])
    mapping = _stage_mapping_form(pending) if pending else None
    for result in st.session_state.pop(_RESULTS, []):
        _show_result(result)
    if not files or not st.button("Import", type="primary", key="import_go"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        results = _run_import(_save_uploads(files, Path(tmp)), kind, as_of, mapping)
    st.session_state["unknown_stages"] = sorted(
        {s for r in results for s in r.unknown_stages})
    st.session_state[_RESULTS] = results
    st.rerun()  # every table on the page now shows the imported data


_RESULTS = "_import_results"
