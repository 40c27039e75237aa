"""The line locator finds a value's line and is not fooled by strings or multi-line arrays."""

from __future__ import annotations

import tomllib

from tryggnews.tomlfile.lines import LineLocator

SOURCE = '''\
# A comment with [[issue]] in it
[newsletter]
name = "x # not a comment"
editors.polis = [
  "a@example.org",  # [[issue]]
  "b@example.org",
]
note = """
[[issue]]
key = "not a key"
"""
'quoted key' = 1

[[issue]]
key = "2027-1"
send_on = { event = "lucia", days_before = 3 }

[[ issue ]]
key = "2027-2"
lines = [
  [1, 2],
  [3],
]
after = 'literal [ bracket'

[calendar."2027"]
tryggvedagen = 2027-09-25

[[calendar.event]]
key = "a"
[[calendar.event]]
key = "b"
'''


def test_source_is_valid_toml() -> None:
    document = tomllib.loads(SOURCE)
    assert len(document["issue"]) == 2
    assert document["newsletter"]["note"].startswith("[[issue]]")


def test_lines_of_tables_keys_and_array_entries() -> None:
    locate = LineLocator(SOURCE).line_of
    assert locate(("newsletter",)) == 2
    assert locate(("newsletter", "name")) == 3
    assert locate(("newsletter", "editors", "polis")) == 4
    assert locate(("newsletter", "note")) == 8
    assert locate(("newsletter", "quoted key")) == 12
    assert locate(("issue", 0)) == 14
    assert locate(("issue", 0, "key")) == 15
    assert locate(("issue", 1)) == 18
    assert locate(("issue", 1, "key")) == 19
    assert locate(("issue", 1, "after")) == 24
    assert locate(("calendar", "2027", "tryggvedagen")) == 27
    assert locate(("calendar", "event", 1, "key")) == 32


def test_a_value_inside_an_inline_table_reports_its_keys_line() -> None:
    locate = LineLocator(SOURCE).line_of
    assert locate(("issue", 0, "send_on", "event")) == 16


def test_unknown_paths_fall_back_to_the_nearest_table() -> None:
    locate = LineLocator(SOURCE).line_of
    assert locate(("issue", 1, "missing")) == 18
    assert locate(("nowhere",)) is None
