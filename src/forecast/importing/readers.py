"""Turning a file's bytes into a table of strings: file type, encoding, delimiter, line numbers.

Every cell stays a string here (blank = ''); parsing numbers and dates is validate.py's job.
Line numbers are 1-based file lines with the header on line 1, so a reject can point at the
line a spreadsheet or text editor shows. `.xlsx` workbooks are read too (first sheet; the
line number is the sheet's row number).
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

try:  # pyarrow (installed with streamlit) gives the fast path; without it pandas' C reader
    import pyarrow as pa
    from pyarrow import csv as pa_csv
except ImportError:  # pragma: no cover
    pa = pa_csv = None

from forecast.importing.model import ImportFailed

DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
PLAIN = "UTF-8 text, comma-separated"  # the description not worth an assumption line
SNIFF_BYTES = 64 * 1024
# more columns than any CRM export carries; pandas needs seconds per thousand columns
MAX_COLUMNS = 2_000

# (magic bytes, what the file is, what to do instead)
_BINARY_MAGIC = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel (.xls) or Office file"),
    (b"\x1f\x8b", "a gzip archive"),
]


@dataclass
class RawTable:
    """A file read into strings. `frame` has one row per record, blank lines dropped."""

    frame: pd.DataFrame
    lines: np.ndarray                 # file line of each record (header = line 1)
    description: str                  # e.g. "UTF-8 text, comma-separated"
    notes: list[str] = field(default_factory=list)   # assumptions the reading made
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (position, reason)
    text: str | None = None           # the decoded text (None for workbooks)
    _text_lines: list[str] | None = None

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def raw_rows(self, positions: np.ndarray) -> list[str]:
        """The original text of the records at `positions`, for the reject log."""
        if self.text is None:
            return [",".join(str(v) for v in self.frame.iloc[p]) for p in positions]
        if self._text_lines is None:
            self._text_lines = self.text.split("\n")
        out = []
        for p in positions:
            start = int(self.lines[p]) - 1
            end = int(self.lines[p + 1]) - 1 if p + 1 < len(self.lines) else start + 1
            end = max(start + 1, min(end, len(self._text_lines)))
            out.append("\n".join(self._text_lines[start:end]).rstrip("\n"))
        return out


def read_table(path: str | Path, data: bytes | None = None) -> RawTable:
    """Read a CSV/TSV text file or an .xlsx workbook into a RawTable, or raise ImportFailed."""
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    _check_not_empty(data)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, path)
    _check_binary(data)
    text, encoding_note = decode(data)
    if not text.strip():
        raise ImportFailed(f"{path.name} is empty: it has no header and no rows.")
    with _csv_errors(path):
        delimiter = sniff_delimiter(text)
        return _parse_text(text, delimiter, encoding_note, path,
                           utf8=data if encoding_note == "UTF-8" else None)


@contextmanager
def _csv_errors(path: Path) -> Iterator[None]:
    """What Python's csv module cannot read (a field over its 131,072-character limit, say)
    turns the file away with a sentence, not a traceback."""
    try:
        yield
    except csv.Error as exc:
        raise ImportFailed(f"{path.name} cannot be read as a CSV file ({exc}).") from exc


def read_header(path: str | Path) -> list[str]:
    """Only the header's column names (reads the first 64 KB), for format detection."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    _check_not_empty(head)
    if head.startswith(b"PK\x03\x04"):
        return list(_read_xlsx(read_bytes(path), path).frame.columns)
    _check_binary(head)
    text, _ = decode(head, partial=True)
    first = _first_record(text)
    if not first.strip():
        raise ImportFailed(f"{path.name} is empty: it has no header and no rows.")
    with _csv_errors(path):
        row = next(csv.reader(io.StringIO(first), delimiter=sniff_delimiter(text)))
    return _clean_header(row)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportFailed(f"{path} does not exist.") from exc
    except IsADirectoryError as exc:
        raise ImportFailed(f"{path} is a folder, not a file.") from exc
    except OSError as exc:
        raise ImportFailed(f"{path} cannot be read: {exc.strerror}.") from exc


def _check_not_empty(data: bytes) -> None:
    stripped = data
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if stripped.startswith(bom):
            stripped = stripped[len(bom):]
    if not stripped.strip(b" \t\r\n\x00"):
        raise ImportFailed("The file is empty: it has no header and no rows.")


def _check_binary(data: bytes) -> None:
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise ImportFailed(
                f"The file is {what}, not a CSV file. Export the data as CSV (comma- or "
                "semicolon-separated) or as an .xlsx workbook and import that.")
    head = data[:4096]
    if b"\x00" in head and _utf16_guess(head) is None:
        raise ImportFailed(
            "The file is not text (it looks like a binary file), so it cannot be read as CSV. "
            "Export the data as CSV or as an .xlsx workbook and import that.")


def _utf16_guess(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark: every other byte of ASCII text is zero."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    even_zero = sample[0::2].count(0) / (len(sample) / 2)
    odd_zero = sample[1::2].count(0) / (len(sample) / 2)
    if odd_zero > 0.7 and even_zero < 0.1:
        return "utf-16-le"
    if even_zero > 0.7 and odd_zero < 0.1:
        return "utf-16-be"
    return None


def decode(data: bytes, partial: bool = False) -> tuple[str, str]:
    """The text and a note on the encoding used: BOM first, then UTF-8, then Windows-1252."""
    errors = "ignore" if partial else "strict"
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors), "UTF-8 (with byte-order mark)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_utf16(data, "utf-16", errors), "UTF-16"
    guess = _utf16_guess(data[:4096])
    if guess:
        return _decode_utf16(data, guess, errors), "UTF-16 (no byte-order mark)"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 3:
            return data.decode("utf-8", "ignore"), "UTF-8"
    try:
        return data.decode("cp1252"), "Windows-1252 / Latin-1"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _decode_utf16(data: bytes, codec: str, errors: str) -> str:
    try:
        return data.decode(codec, errors)
    except UnicodeDecodeError as exc:
        raise ImportFailed("The file claims to be UTF-16 text but cannot be decoded as such; "
                           "save it again as UTF-8 CSV.") from exc


def _first_record(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most fields (quotes respected), with
    the second line as a tie-break."""
    lines = [line for line in text[:SNIFF_BYTES].splitlines() if line.strip()][:2]
    if not lines:
        return ","

    def fields(line: str, delim: str) -> int:
        return len(next(csv.reader([line], delimiter=delim)))

    best = max(DELIMITERS, key=lambda d: (fields(lines[0], d),
                                          len(lines) > 1 and fields(lines[1], d) == fields(
                                              lines[0], d), d == ","))
    return best


def _clean_header(names) -> list[str]:
    """Trimmed names; a blank one becomes column_<n>, a repeated one '<name> (2)'."""
    out: list[str] = []
    taken: set[str] = set()  # a set, so a file of 20,000 columns is not 400 million checks
    for i, name in enumerate(names):
        text = str(name).replace("\ufeff", "").strip().strip('"').strip() or f"column_{i + 1}"
        n, unique = 1, text
        while unique.lower() in taken:
            n += 1
            unique = f"{text} ({n})"
        out.append(unique)
        taken.add(unique.lower())
    return out


def _repeated(names: list[str]) -> list[str]:
    return [n for n in names if n.endswith(" (2)")]


def _parse_text(text: str, delimiter: str, encoding_note: str, path: Path,
                utf8: bytes | None = None) -> RawTable:
    """`utf8`: the file's bytes when they are exactly `text` in UTF-8 (saves re-encoding)."""
    if "\r" in text:
        text, utf8 = text.replace("\r\n", "\n").replace("\r", "\n"), None
    if not text.endswith("\n") or text.endswith("\n\n"):
        text, utf8 = text.rstrip("\n") + "\n", None
    full_text, lead = text, len(text) - len(text.lstrip("\n"))  # blank lines before the header
    if lead:
        text, utf8 = text[lead:], None
    description = f"{encoding_note} text, {DELIMITER_NAMES[delimiter]}-separated"
    notes: list[str] = []
    bad_rows: list[tuple[int, str]] = []
    header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1]), delimiter=delimiter),
                  [])
    if len(header) > MAX_COLUMNS:
        raise ImportFailed(f"{path.name} has {len(header):,} columns; files of up to "
                           f"{MAX_COLUMNS:,} are read. Export only the fields you need.")
    frame = _parse_arrow(text, delimiter, utf8)
    if frame is None:
        try:
            # a row longer than the header must not become an index (shifting every column)
            # or be cut short: the warning pandas gives for it sends the file to _parse_ragged
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str,
                                    na_filter=False, keep_default_na=False, index_col=False,
                                    skip_blank_lines=False, engine="c", quotechar='"',
                                    doublequote=True)
        except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError):
            frame, lines, bad_rows = _parse_ragged(text, delimiter)
    if not bad_rows:
        if text.count("\n") == len(frame) + 1:
            lines = np.arange(2, len(frame) + 2)
        else:  # quoted line breaks inside fields: count lines record by record
            lines = _record_lines(text, delimiter)
    frame.columns = _clean_header(header if len(header) == frame.shape[1] else frame.columns)
    _check_header(frame.columns, path)
    for name in _repeated(list(frame.columns)):
        notes.append(f"the column '{name[:-4]}' appears more than once: the first one is used")
    blank = _blank_rows(frame)
    blank[[p for p, _ in bad_rows]] = False  # data past the header's width is still a row
    if blank.any():
        keep = ~blank
        old_to_new = np.cumsum(keep) - 1
        bad_rows = [(int(old_to_new[p]), r) for p, r in bad_rows if keep[p]]
        frame = frame.loc[keep].reset_index(drop=True)
        lines = np.asarray(lines)[keep]
    return RawTable(frame, np.asarray(lines, dtype="int64") + lead, description, notes,
                    bad_rows, full_text)


def _parse_arrow(text: str, delimiter: str, utf8: bytes | None = None) -> pd.DataFrame | None:
    """The fast path (pyarrow's multi-threaded reader, every column a string). None when the
    file needs the slower readers: blank lines (their line numbers must be kept) or rows
    whose field count differs from the header's."""
    if pa is None or "\n\n" in text:
        return None
    header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1]), delimiter=delimiter))
    names = [f"c{i}" for i in range(len(header))]
    data = utf8 if utf8 is not None else text.encode("utf-8")
    # Without a quote character no value can hold a line break, so the reader may cut the
    # file into blocks at any line break and parse them in parallel (about four times as
    # fast); with quotes a block boundary could fall inside a quoted value.
    quoted = b'"' in data
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char='"',
                                              double_quote=True, newlines_in_values=quoted),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return None
    frame = table.to_pandas()
    frame.columns = names
    return frame


def _check_header(columns, path: Path) -> None:
    names = [str(c) for c in columns]
    if len(names) == 1 and len(names[0]) > 200:
        raise ImportFailed(f"{path.name} does not look like a CSV file: its first line is not "
                           "a header of column names.")


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every field is blank (blank lines): checked column by column, only on
    the rows still in question, so a clean million-row file costs one pass."""
    blank = np.zeros(len(frame), dtype=bool)
    if frame.empty:
        return blank
    candidates = np.flatnonzero(frame.iloc[:, 0].str.strip().eq("").to_numpy())
    for col in frame.columns[1:]:
        if not len(candidates):
            break
        values = frame[col].to_numpy(dtype=object)[candidates]
        candidates = candidates[[not str(v).strip() for v in values]]
    blank[candidates] = True
    return blank


def _record_lines(text: str, delimiter: str) -> np.ndarray:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader)
    starts = []
    previous_end = reader.line_num
    for _ in reader:
        starts.append(previous_end + 1)
        previous_end = reader.line_num
    return np.asarray(starts, dtype="int64")


def _parse_ragged(text: str, delimiter: str) -> tuple[pd.DataFrame, np.ndarray, list]:
    """Slow path for rows with more fields than the header: each becomes a reject."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader)
    width = len(header)
    rows, starts, bad = [], [], []
    previous_end = reader.line_num
    for record in reader:
        starts.append(previous_end + 1)
        previous_end = reader.line_num
        if len(record) > width and any(v.strip() for v in record[width:]):
            bad.append((len(rows), f"has {len(record)} fields but the header has {width}"))
        rows.append((record + [""] * width)[:width])
    frame = pd.DataFrame(rows, columns=header, dtype="str") if rows else pd.DataFrame(
        columns=header, dtype="str")
    return frame, np.asarray(starts, dtype="int64"), bad


def _read_xlsx(data: bytes, path: Path) -> RawTable:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise ImportFailed(f"{path.name} is a damaged ZIP/Excel file.") from exc
    if "xl/workbook.xml" not in names:
        raise ImportFailed(f"{path.name} is a ZIP archive, not a CSV file or an Excel "
                           "workbook. Unpack it and import the CSV inside.")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    header, records, lines = None, [], []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else _cell_text(v) for v in row]
        if header is None:
            if any(c.strip() for c in cells):
                header = cells
            continue
        if any(c.strip() for c in cells):
            records.append((cells + [""] * len(header))[: len(header)])
            lines.append(number)
    book.close()
    if header is None:
        raise ImportFailed(f"{path.name} is an empty workbook: its first sheet has no header.")
    columns = _clean_header(header)
    frame = pd.DataFrame(records, columns=columns, dtype="str") if records else pd.DataFrame(
        columns=columns, dtype="str")
    notes = [f"{path.name} is an Excel workbook: read its first sheet ('{sheet.title}')"]
    notes += [f"the column '{name[:-4]}' appears more than once: the first one is used"
              for name in _repeated(columns)]
    return RawTable(frame, np.asarray(lines, dtype="int64"), "Excel workbook (.xlsx)", notes)


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text.removesuffix(" 00:00:00")
    return str(value)
