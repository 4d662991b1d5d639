"""Data: what is loaded, importing files, the data-quality report and rejected rows."""

import streamlit as st

from forecast.ui import auth, cached, frame, importer, widgets

frame.require_app()

st.title("Data")
auth.require_admin()  # the whole store, every team's rows: admins only when sign-in is on
loaded, load_new, quality_tab, log_tab = st.tabs(
    ["What is loaded", "Import", "Data quality", "Import log and rejected rows"])

with loaded:
    st.dataframe(cached.table_counts(), hide_index=True)
    st.caption(f"The live deals speak for {cached.data_date():%Y-%m-%d}; earlier dates come "
               "from the weekly snapshots.")

with load_new:
    importer.render()

with quality_tab:
    report = cached.quality_report(cached.data_date())
    st.dataframe(report, hide_index=True, column_config={
        "check_name": "Check", "deals": "Deals",
        "amount": st.column_config.NumberColumn("Amount", format="dollar"),
        "explanation": "Why it matters"})
    log = cached.import_log()
    assumed = log[log.assumptions.notna() & (log.assumptions != "[]")]
    for row in assumed.itertuples():
        with st.expander(f"What the import of {row.source_file} assumed"):
            st.markdown("\n".join(f"- {a}" for a in importer.assumption_list(row.assumptions)))

with log_tab:
    log = cached.import_log()
    if log.empty:
        st.info("No imports yet.")
    else:
        st.dataframe(log.drop(columns=["assumptions"]), hide_index=True)
        with_rejects = log[log.rows_rejected > 0]
        if not with_rejects.empty:
            chosen = st.selectbox("Rejected rows of import", with_rejects.import_id.tolist(),
                                  format_func=lambda i: f"{i} · "
                                  f"{log.set_index('import_id').loc[i, 'source_file']}")
            rejects = cached.rejected_rows(chosen)
            st.dataframe(rejects, hide_index=True)
            widgets.downloads(rejects, f"rejected-{chosen}", key="rejects")
