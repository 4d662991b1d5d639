import io

import openpyxl
import pandas as pd

from forecast import export


def test_formula_like_text_stays_text_in_csv_and_excel():
    df = pd.DataFrame({"note": ["=cmd|' /C calc'!A0", "+1", "plain", "-2", "@SUM(A1)"],
                       "amount": [1.0, -2.0, 3.0, 4.0, 5.0]})
    csv = export.to_csv(df).decode("utf-8").splitlines()
    assert csv[1] == "'=cmd|' /C calc'!A0,1.0" and csv[3] == "plain,3.0"
    assert csv[4] == "'-2,4.0"  # the text gets the apostrophe, the number is untouched
    book = openpyxl.load_workbook(io.BytesIO(export.to_excel(df)))
    cells = [c.value for c in book.active["A"]][1:]
    assert cells == ["'=cmd|' /C calc'!A0", "'+1", "plain", "'-2", "'@SUM(A1)"]
    assert [c.value for c in book.active["B"]][1:] == [1, -2, 3, 4, 5]
    assert df.note[0] == "=cmd|' /C calc'!A0"  # the input frame is not changed
