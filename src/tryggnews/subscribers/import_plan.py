"""The import plan: a subscriber CSV read and checked in full, before any database work.

``parse_csv`` reads the file once, streaming, and checks every row without touching
the database; the result is an ``ImportPlan`` of valid rows and every problem, which
``importer.apply_import`` then writes. Reading is separate from writing because it
needs no database at all: the format, its limits and its error messages live here.
The format is documented for people in ``subscribers/README.md`` (a test keeps it
in step with the shipped ``audiences.toml``).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tryggnews.content.spreadsheet import looks_like_formula, restore_cell
from tryggnews.content.text import code_point, refused_character
from tryggnews.content.vocabulary import DEFAULT_LANGUAGE, Vocabulary, check_keys
from tryggnews.errors import ValidationError
from tryggnews.subscribers import import_texts as said
from tryggnews.subscribers.emails import normalise_email

COLUMNS: tuple[str, ...] = ("email", "name", "language", "audiences", "topics")
# Keys inside the audiences/topics cell: "|" is unambiguous in any CSV; "," is what
# people type by hand in Excel. No key contains either.
KEY_SEPARATORS = re.compile(r"[|,]")
# One record (a physical line, or several when a quoted value holds line breaks).
# Real rows are well under 1 KB; the bound keeps a broken or hostile file from
# filling memory (csv's own field limit is 128 KB per field, not per row).
MAX_RECORD_BYTES = 64 * 1024
MAX_NAME_CHARS = 200
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class ImportFileError(ValidationError):
    """The whole file cannot be imported; the message in English, ``swedish`` for editors."""

    def __init__(self, text: said.Said) -> None:
        super().__init__(text.english)
        self.swedish = text.swedish


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row was refused or skipped: line number, column, the value (shortened), and
    the reason in English (the command line) and in Swedish (the editors' workspace)."""

    line: int
    column: str
    value: str
    reason: str
    swedish: str

    @classmethod
    def of(cls, line: int, column: str, value: str, text: said.Said) -> RowProblem:
        return cls(line, column, value, text.english, text.swedish)

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        value = f" {self.value!r}" if self.value else ""
        return f"{where}{value}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One valid row, normalised."""

    line: int
    email: str
    email_key: str
    name: str | None
    language: str
    audiences: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass
class ImportPlan:
    """What a file holds: the valid rows and every problem, before any database work."""

    path: Path
    delimiter: str
    # The columns the file has; only these are compared with (and written to)
    # existing subscribers, so a file with just "email" changes no preferences.
    columns: tuple[str, ...]
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    invalid_rows: int = 0
    # Cells kept as they are but worth a look: text a spreadsheet would run as a formula.
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.invalid_rows == 0


class _RecordTooLongError(Exception):
    def __init__(self, size: int, head: str) -> None:
        super().__init__(size)
        self.size = size
        self.head = head


class _Lines:
    """The file's lines, decoded from UTF-8 in bounded pieces, for ``csv.reader``.

    Counts physical lines and bytes so errors can name both; refuses a record over
    ``MAX_RECORD_BYTES`` by raising ``_RecordTooLongError`` after skipping the rest
    of the line in small reads, so a 10 MB line costs 64 KB of memory, not 10 MB.
    An iterator class, not a generator: a generator that raises is finished, while
    ``csv.reader`` simply asks this object again for the next record.
    """

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self._fh = fh
        self._path = path
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.offset = 0  # bytes consumed
        self.line = 0  # physical lines consumed
        self.record_bytes = 0  # reset by the caller before each record

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._fh.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            self._decode(b"", final=True)
            raise StopIteration
        if self.offset == 0:
            if raw.startswith(_UTF16_BOMS):
                raise ImportFileError(said.utf16(self._path))
            if raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]
                self.offset = len(_UTF8_BOM)
        self.line += 1
        self.record_bytes += len(raw)
        if self.record_bytes > MAX_RECORD_BYTES:
            self.offset += len(raw)
            size = self.record_bytes
            if not raw.endswith(b"\n"):
                size += self._skip_rest_of_line()
            self._decoder.reset()
            head = raw[:60].decode("utf-8", errors="replace")
            raise _RecordTooLongError(size, head)
        return self._decode(raw)

    def _skip_rest_of_line(self) -> int:
        skipped = 0
        while chunk := self._fh.readline(MAX_RECORD_BYTES):
            skipped += len(chunk)
            if chunk.endswith(b"\n"):
                break
        self.offset += skipped
        return skipped

    def _decode(self, raw: bytes, *, final: bool = False) -> str:
        pending = self._decoder.getstate()[0]
        try:
            text = self._decoder.decode(raw, final)
        except UnicodeDecodeError as exc:
            data = pending + raw
            position = self.offset - len(pending) + exc.start
            line = max(self.line, 1)
            raise ImportFileError(
                said.not_utf8(self._path, line, data[exc.start], position)
            ) from None
        self.offset += len(raw)
        return text


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"


def _detect_delimiter(header: str) -> str:
    # Excel with Swedish regional settings writes ";", most other tools ",".
    return ";" if header.count(";") > header.count(",") else ","


def _read_header(lines: _Lines, path: Path) -> tuple[str, tuple[str, ...]]:
    text = ""
    try:
        for text in lines:
            if text.strip():
                break
            lines.record_bytes = 0
        else:
            text = ""
    except _RecordTooLongError:
        raise ImportFileError(said.header_too_long(path, lines.line)) from None
    if not text.strip():
        raise ImportFileError(said.empty_file(path, ";".join(COLUMNS)))
    delimiter = _detect_delimiter(text)
    try:
        cells = next(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ImportFileError(said.header_not_csv(path, lines.line, str(exc))) from None
    names = tuple(cell.strip().lower() for cell in cells)
    problems: list[said.Said] = []
    for position, name in enumerate(names, 1):
        if not name:
            problems.append(said.unnamed_column(position))
        elif name not in COLUMNS:
            problems.append(said.unknown_column(name))
        elif names.index(name) != position - 1:
            problems.append(said.column_twice(name))
    if "email" not in names:
        problems.append(said.email_column_missing())
    if problems:
        tabs = "\t" in text
        raise ImportFileError(said.bad_header(path, lines.line, problems, tabs, ", ".join(COLUMNS)))
    return delimiter, names


def parse_csv(path: Path, vocabulary: Vocabulary) -> ImportPlan:
    """Read and check a subscriber CSV without touching the database.

    Whole-file problems (unreadable, not UTF-8, bad header) raise ``ValidationError``
    naming the file and line. Row problems are collected in the plan, each with its
    line number, column, value and reason; the first row of a duplicated address
    stays valid and each later one is a problem.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ImportFileError(said.unreadable(path, str(exc.strerror))) from None
    with fh:
        lines = _Lines(fh, path)
        delimiter, columns = _read_header(lines, path)
        plan = ImportPlan(path=path, delimiter=delimiter, columns=columns)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        seen: dict[str, int] = {}
        while True:
            lines.record_bytes = 0
            line = lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except _RecordTooLongError as exc:
                too_long = said.record_too_long(exc.size)
                _refuse(plan, [RowProblem.of(line, "", f"{exc.head}…", too_long)])
                continue
            except csv.Error as exc:
                _refuse(plan, [RowProblem.of(line, "", "", said.not_csv(str(exc)))])
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, and the ";;;;" rows Excel leaves at the end
            # Our export quotes formula-like cells (CSV injection); take exactly that off.
            cells = [restore_cell(cell) for cell in cells]
            plan.warnings.extend(_formula_warnings(line, columns, cells))
            row, problems = _check_row(line, cells, columns, seen, vocabulary)
            if row is None:
                _refuse(plan, problems)
            else:
                plan.rows.append(row)
    return plan


def _formula_warnings(line: int, columns: tuple[str, ...], cells: list[str]) -> list[RowProblem]:
    return [
        RowProblem.of(line, column, _shorten(cell.strip()), said.looks_like_formula())
        for column, cell in zip(columns, cells, strict=False)
        if looks_like_formula(cell.strip())
    ]


def _refuse(plan: ImportPlan, problems: list[RowProblem]) -> None:
    plan.invalid_rows += 1
    plan.problems.extend(problems)


def _check_row(
    line: int,
    cells: list[str],
    columns: tuple[str, ...],
    seen: dict[str, int],
    vocabulary: Vocabulary,
) -> tuple[ImportRow | None, list[RowProblem]]:
    if len(cells) < len(columns) or any(cell.strip() for cell in cells[len(columns) :]):
        return None, [RowProblem.of(line, "", "", said.field_count(len(cells), len(columns)))]
    values = dict(zip(columns, cells, strict=False))
    problems: list[RowProblem] = []

    raw_email = values["email"]
    email = email_key = ""
    try:
        email, email_key = normalise_email(raw_email)
    except ValidationError as exc:
        text = said.bad_address(str(exc), empty=not raw_email.strip())
        problems.append(RowProblem.of(line, "email", _shorten(raw_email.strip()), text))
    else:
        first = seen.setdefault(email_key, line)
        if first != line:
            text = said.same_address(first)
            problems.append(RowProblem.of(line, "email", _shorten(raw_email.strip()), text))

    name = values.get("name", "").strip()
    if len(name) > MAX_NAME_CHARS:
        text = said.name_too_long(MAX_NAME_CHARS, len(name))
        problems.append(RowProblem.of(line, "name", _shorten(name), text))
    elif (refused := refused_character(name)) is not None:
        # Names go into the To: header; a line break there could forge headers.
        position, char = refused
        text = said.control_character(code_point(char), position)
        problems.append(RowProblem.of(line, "name", _shorten(name), text))

    language = values.get("language", "").strip().lower() or DEFAULT_LANGUAGE
    if language not in vocabulary.languages:
        text = said.unknown_language(", ".join(vocabulary.languages))
        problems.append(RowProblem.of(line, "language", _shorten(language), text))

    keys: dict[str, tuple[str, ...]] = {}
    for column, allowed in (("audiences", vocabulary.audiences), ("topics", vocabulary.topics)):
        cell = values.get(column, "")
        given = KEY_SEPARATORS.split(cell.lower())
        try:
            keys[column] = tuple(check_keys(column[:-1], given, allowed))
        except ValidationError as exc:
            key = next(k.strip() for k in given if k.strip() and k.strip() not in allowed)
            text = said.unknown_key(str(exc), column, key, ", ".join(sorted(allowed)))
            problems.append(RowProblem.of(line, column, _shorten(cell.strip()), text))

    refusal = vocabulary.refusal(keys.get("audiences", ()), email) if email else None
    if refusal:
        # The reason is the same Swedish sentence the sign-up form shows.
        cell = values.get("audiences", "").strip()
        text = said.Said(refusal, refusal)
        problems.append(RowProblem.of(line, "audiences", _shorten(cell), text))
    if problems:
        return None, problems
    row = ImportRow(
        line=line,
        email=email,
        email_key=email_key,
        name=name or None,
        language=language,
        audiences=keys["audiences"],
        topics=keys["topics"],
    )
    return row, []
