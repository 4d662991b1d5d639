"""Importing CSV exports into the store: canonical files, Salesforce, HubSpot, the Maven sample.

The public API (the CLI and the Data page call exactly this):

    detect_format(path) -> FormatGuess
    import_file(con, path, *, kind=None, mapping=None, stage_mapping=None, as_of=None,
                progress=None) -> ImportResult
    import_maven(con, folder, *, as_of=None, progress=None) -> ImportResult

Modules: readers (bytes -> table of strings), formats (column maps, detection), validate
(vectorised parsing), deals / people / reference / sf_history / maven (one per kind of
data), load (every SQL write), api (transaction, import log). docs/import-formats.md is the
user-facing description.
"""

from forecast.importing.api import detect_format, import_file, import_maven
from forecast.importing.formats import FORMATS, KINDS
from forecast.importing.model import REJECT_COLUMNS, FormatGuess, ImportResult

__all__ = ["FORMATS", "KINDS", "REJECT_COLUMNS", "FormatGuess", "ImportResult",
           "detect_format", "import_file", "import_maven"]
