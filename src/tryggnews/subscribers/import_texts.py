"""What an import says about a file or a row: in English for the command line and the
logs, and in Swedish for the editors' workspace, which shows the same report.

Each function gives both (``Said``); ``import_plan`` and ``importer`` put them into their
``RowProblem`` and ``ImportFileError``. The values in them (a line number, a column, the
refused key) are the same in both.
"""

from __future__ import annotations

from typing import NamedTuple

_SAVE_AS_UTF8 = 'save it as UTF-8 (in Excel: "CSV UTF-8 (kommaavgränsad)")'
_SPARA_SOM_UTF8 = 'spara den som UTF-8 (i Excel: "CSV UTF-8 (kommaavgränsad)")'


class Said(NamedTuple):
    english: str
    swedish: str


# --- a row ------------------------------------------------------------------------------


def record_too_long(size: int) -> Said:
    return Said(
        f"the line is over 64 KB ({size} bytes); a real row is far shorter",
        f"raden är över 64 kB ({size} byte); en riktig rad är mycket kortare",
    )


def not_csv(detail: str) -> Said:
    return Said(
        f"not valid CSV: {detail}",
        f"raden är inte giltig CSV (ofta ett citattecken som inte stängs): {detail}",
    )


def looks_like_formula() -> Said:
    return Said(
        "starts like a spreadsheet formula; kept as text "
        "(the export puts a ' in front so Excel does not run it)",
        "börjar som en formel i ett kalkylblad; sparas som text "
        "(exporten sätter ' framför så att Excel inte kör den)",
    )


def field_count(fields: int, columns: int) -> Said:
    return Said(
        f"the row has {fields} fields but the header has {columns}; "
        "a value that contains the delimiter must be in double quotes",
        f"raden har {fields} fält men rubrikraden har {columns}; "
        "ett värde som innehåller avgränsaren måste stå inom citattecken",
    )


def bad_address(detail: str, *, empty: bool) -> Said:
    if empty:
        return Said(detail, "e-postadressen saknas")
    return Said(detail, "inte en giltig e-postadress (kontrollera @ och domänen)")


def same_address(first_line: int) -> Said:
    return Said(
        f"the same address as line {first_line} (addresses compare case-insensitively)",
        f"samma adress som rad {first_line} (stora och små bokstäver räknas som samma)",
    )


def name_too_long(limit: int, length: int) -> Said:
    return Said(
        f"longer than {limit} characters ({length})",
        f"längre än {limit} tecken ({length})",
    )


def control_character(code: str, position: int) -> Said:
    return Said(
        f"contains a line break or another control character ({code}) at character {position}",
        f"innehåller en radbrytning eller ett annat styrtecken ({code}) vid tecken {position}",
    )


def unknown_language(choices: str) -> Said:
    return Said(
        f"unknown language: choose from {choices}",
        f"okänt språk: välj bland {choices}",
    )


def unknown_key(detail: str, column: str, key: str, choices: str) -> Said:
    unknown = "okänd målgrupp" if column == "audiences" else "okänt ämne"
    return Said(detail, f"{unknown} ”{key}”: välj bland {choices}")


def suppressed() -> Said:
    return Said(
        "on the suppression list (erased earlier): never added again",
        "finns på spärrlistan (raderad tidigare): läggs aldrig till igen",
    )


def unsubscribed_earlier() -> Said:
    return Said(
        "unsubscribed earlier: an import never subscribes them again",
        "har avslutat prenumerationen tidigare: en import prenumererar aldrig på nytt",
    )


# --- the whole file ---------------------------------------------------------------------


def utf16(path: object) -> Said:
    return Said(
        f'{path}: the file is UTF-16 (Excel\'s "Unicode-text"); {_SAVE_AS_UTF8}',
        f'{path}: filen är UTF-16 (Excels "Unicode-text"); {_SPARA_SOM_UTF8}',
    )


def not_utf8(path: object, line: int, byte: int, position: int) -> Said:
    return Said(
        f"{path}: line {line} is not UTF-8 (byte 0x{byte:02x} at byte offset {position}); "
        f"the file is probably Windows-1252/Latin-1 — {_SAVE_AS_UTF8}",
        f"{path}: rad {line} är inte UTF-8 (byte 0x{byte:02x} vid position {position}); "
        f"filen är troligen Windows-1252/Latin-1 — {_SPARA_SOM_UTF8}",
    )


def header_too_long(path: object, line: int) -> Said:
    return Said(
        f"{path}: line {line} (the header) is over 64 KB",
        f"{path}: rad {line} (rubrikraden) är över 64 kB",
    )


def empty_file(path: object, columns: str) -> Said:
    return Said(
        f"{path}: the file is empty; the first line must be the header, e.g. {columns}",
        f"{path}: filen är tom; första raden ska vara rubrikraden, till exempel {columns}",
    )


def header_not_csv(path: object, line: int, detail: str) -> Said:
    return Said(
        f"{path}: line {line} (the header) is not CSV: {detail}",
        f"{path}: rad {line} (rubrikraden) är inte giltig CSV: {detail}",
    )


def unnamed_column(position: int) -> Said:
    return Said(f"column {position} has no name", f"kolumn {position} saknar namn")


def unknown_column(name: str) -> Said:
    return Said(f"unknown column {name!r}", f"okänd kolumn ”{name}”")


def column_twice(name: str) -> Said:
    return Said(f"column {name!r} appears twice", f"kolumnen ”{name}” finns två gånger")


def email_column_missing() -> Said:
    return Said("the column 'email' is missing", "kolumnen ”email” saknas")


def bad_header(path: object, line: int, problems: list[Said], tabs: bool, columns: str) -> Said:
    english = "; ".join(problem.english for problem in problems)
    swedish = "; ".join(problem.swedish for problem in problems)
    return Said(
        f"{path}: line {line} (the header): {english}"
        + (" (tab-separated files are not supported)" if tabs else "")
        + f". Allowed columns: {columns}",
        f"{path}: rad {line} (rubrikraden): {swedish}"
        + (" (tabbavgränsade filer stöds inte)" if tabs else "")
        + f". Tillåtna kolumner: {columns}",
    )


def unreadable(path: object, detail: str) -> Said:
    return Said(
        f"{path}: cannot read the file ({detail})",
        f"{path}: filen går inte att läsa ({detail})",
    )
