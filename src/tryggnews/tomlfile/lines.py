"""Find the source line of a value in a TOML file, for error messages.

tomllib returns plain dicts without positions, so this re-reads the source: it follows
table headers (counting ``[[array]]`` entries), key lines and dotted keys, and skips
over strings, multi-line strings and multi-line arrays so that their contents are never
mistaken for keys. A value inside an inline table or an array reports the line of the
key that holds it; a path it cannot place reports the nearest enclosing table it can.
It only runs on a document tomllib has already accepted.
"""

from __future__ import annotations

KeyPath = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class LineLocator:
    """Maps a path into the parsed document, e.g. ``("issue", 2, "send_on")``, to a line."""

    def __init__(self, source: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        self._index(source)

    def line_of(self, path: KeyPath) -> int | None:
        """The 1-based line of ``path`` or of its nearest located ancestor; None if none."""
        for length in range(len(path), 0, -1):
            line = self._lines.get(path[:length])
            if line is not None:
                return line
        return None

    def _remember(self, path: KeyPath, line: int) -> None:
        for length in range(1, len(path) + 1):
            self._lines.setdefault(path[:length], line)

    def _index(self, source: str) -> None:
        arrays: dict[KeyPath, int] = {}  # path of each array of tables -> entries seen
        table: KeyPath = ()
        scanner = _ValueScanner()
        for number, text in enumerate(source.splitlines(), start=1):
            if scanner.inside_value:
                scanner.scan(text, 0)
                continue
            stripped = text.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("["):
                is_array = stripped.startswith("[[")
                names, _ = _parse_key(stripped, 2 if is_array else 1)
                if is_array:
                    parent = _concrete(names[:-1], arrays)
                    array = (*parent, names[-1])
                    arrays[array] = arrays.get(array, 0) + 1
                    table = (*array, arrays[array] - 1)
                else:
                    table = _concrete(names, arrays)
                self._remember(table, number)
                continue
            names, end = _parse_key(stripped, 0)
            if names:
                self._remember((*table, *names), number)
                equals = stripped.find("=", end)
                if equals >= 0:
                    scanner.scan(stripped, equals + 1)


def _concrete(names: list[str], arrays: dict[KeyPath, int]) -> KeyPath:
    # A header name that passes through an array of tables refers to its latest entry.
    path: KeyPath = ()
    for name in names:
        path = (*path, name)
        if path in arrays:
            path = (*path, arrays[path] - 1)
    return path


def _parse_key(text: str, pos: int) -> tuple[list[str], int]:
    """Parse a dotted key (bare, "basic" or 'literal' parts) starting at ``pos``."""
    names: list[str] = []
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text):
            return names, pos
        quote = text[pos]
        if quote in "\"'":
            close = pos + 1
            chars: list[str] = []
            while close < len(text) and text[close] != quote:
                if quote == '"' and text[close] == "\\" and close + 1 < len(text):
                    close += 1
                chars.append(text[close])
                close += 1
            names.append("".join(chars))
            pos = close + 1
        else:
            start = pos
            while pos < len(text) and text[pos] in _BARE:
                pos += 1
            if pos == start:
                return names, pos
            names.append(text[start:pos])
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return names, pos


class _ValueScanner:
    """Tracks whether a value continues on the next line (open array, table or string)."""

    def __init__(self) -> None:
        self.depth = 0
        self.multiline: str | None = None  # the closing delimiter of an open """ or '''

    @property
    def inside_value(self) -> bool:
        return self.depth > 0 or self.multiline is not None

    def scan(self, text: str, pos: int) -> None:
        while pos < len(text):
            if self.multiline is not None:
                close = self._find_close(text, pos, self.multiline)
                if close < 0:
                    return
                self.multiline = None
                pos = close
                continue
            char = text[pos]
            if char == "#":
                return
            if char in "\"'":
                if text.startswith(char * 3, pos):
                    self.multiline = char * 3
                    pos += 3
                    continue
                close = self._find_close(text, pos + 1, char)
                pos = close if close >= 0 else len(text)
                continue
            if char in "[{":
                self.depth += 1
            elif char in "]}":
                self.depth -= 1
            pos += 1

    @staticmethod
    def _find_close(text: str, pos: int, delimiter: str) -> int:
        """Index just after ``delimiter`` closing a string that starts at ``pos``, or -1."""
        escapes = delimiter[0] == '"'
        while pos < len(text):
            if escapes and text[pos] == "\\":
                pos += 2
                continue
            if text.startswith(delimiter, pos):
                end = pos + len(delimiter)
                # """ may end with up to two quotes that belong to the content.
                while delimiter == 3 * delimiter[0] and text.startswith(delimiter[0], end):
                    end += 1
                    if end - pos >= 5:
                        break
                return end
            pos += 1
        return -1
