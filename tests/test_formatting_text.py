"""User text shown inside Markdown or a chart label is escaped, so it shows as typed."""

import pandas as pd

from forecast.formatting import chart_text, md_text
from forecast.funnel_charts import sankey


def test_markdown_punctuation_and_streamlit_directives_are_escaped():
    assert md_text("**Ann** _B_") == r"\*\*Ann\*\* \_B\_"
    assert md_text("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    assert md_text(":red[Bob] costs $5 and $6") == r"\:red\[Bob\] costs \$5 and \$6"
    assert md_text("back\\slash") == r"back\\slash"


def test_plain_names_are_unchanged():
    assert md_text("Ann Smith") == "Ann Smith"
    assert chart_text("Ann Smith") == "Ann Smith"


def test_chart_labels_escape_the_tags_plotly_reads():
    assert chart_text("<b>Ann</b> & co") == "&lt;b&gt;Ann&lt;/b&gt; &amp; co"


def test_funnel_step_names_from_a_file_are_drawn_as_typed():
    flows = pd.DataFrame({"from_label": ["<b>MQL</b>"], "to_label": ["Lost"],
                          "journey_count": [3]})
    labels = sankey(flows, ["<b>MQL</b>"]).data[0].node.label
    assert labels[:2] == ("&lt;b&gt;MQL&lt;/b&gt;", "Disqualified")
