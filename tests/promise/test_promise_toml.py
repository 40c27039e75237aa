"""promise.toml loads into frozen data; every broken file is refused with file, line and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tryggnews.errors import ScheduleError
from tryggnews.planning.calendar import BUILTIN_KEYS
from tryggnews.planning.promise_file import PROMISE_AREAS, load_promise

REPO_PROMISE = Path(__file__).resolve().parents[2] / "promise.toml"

VALID = """\
[promise]
title = "Medborgarlöfte"
start = 2025-01-01
end = 2027-12-31

[[signatory]]
role = "Kommunstyrelsens ordförande"
organisation = "kommun"

[[focus_area]]
key = "andts"

[[focus_area.commitment]]
key = "andts-hotspots"
text = "Fokus på hotspotsplatser."

[[focus_area]]
key = "vald"

[[focus_area.commitment]]
key = "vald-vecka"
text = "Tillsammans genomföra En vecka fri från våld."

[[activity]]
key = "tryggvedagen"
title = "Tryggvedagen"
calendar = ["tryggvedagen"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "promise.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ScheduleError) as caught:
        load_promise(path)
    return path, str(caught.value)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == needle]
    return hits[occurrence - 1]


def test_the_shipped_promise_has_the_five_focus_areas_roles_and_joint_activities() -> None:
    promise = load_promise(REPO_PROMISE)
    assert [area.key for area in promise.focus_areas] == list(PROMISE_AREAS)
    assert all(area.commitments for area in promise.focus_areas)
    assert promise.start <= date(2027, 6, 1) <= promise.end
    roles = {(s.role, s.organisation) for s in promise.signatories}
    assert ("Kommunstyrelsens ordförande", "kommun") in roles
    assert any(s.organisation == "polis" for s in promise.signatories)
    keys = [c.key for c in promise.commitments]
    assert len(keys) == len(set(keys)) >= 10
    linked = {key for activity in promise.activities for key in activity.calendar}
    assert {"valborg-lecture", "tryggvedagen", "vecka-fri-fran-vald"} <= linked <= BUILTIN_KEYS
    # Text taken from the promise itself.
    assert "öppen droghandel" in promise.commitment("andts-hotspots").text  # type: ignore[union-attr]


def test_a_valid_file_loads_in_file_order(tmp_path: Path) -> None:
    promise = load_promise(write(tmp_path, VALID))
    assert promise.title == "Medborgarlöfte"
    assert (promise.start, promise.end) == (date(2025, 1, 1), date(2027, 12, 31))
    assert [c.key for c in promise.commitments] == ["andts-hotspots", "vald-vecka"]
    assert promise.commitments[1].focus_area == "vald"
    assert promise.focus_areas[1].label == "Våldsprevention"
    assert promise.activities[0].calendar == ("tryggvedagen",)
    assert promise.covers(date(2026, 5, 1)) and not promise.covers(date(2028, 1, 1))


def test_an_unknown_focus_area_is_named_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    text = VALID.replace('key = "vald"', 'key = "vlad"')
    path, message = error_of(tmp_path, text)
    line = line_of(text, 'key = "vlad"')
    assert message.startswith(f'{path}:{line}: focus area "vlad"')
    assert 'did you mean "vald"?' in message


def test_gemensamt_is_not_a_focus_area_of_the_promise(tmp_path: Path) -> None:
    _, message = error_of(tmp_path, VALID.replace('key = "vald"', 'key = "gemensamt"'))
    assert 'focus area "gemensamt" is not one of the promise' in message


def test_a_commitment_key_used_twice_names_both_lines(tmp_path: Path) -> None:
    text = VALID.replace('key = "vald-vecka"', 'key = "andts-hotspots"')
    path, message = error_of(tmp_path, text)
    first = line_of(text, 'key = "andts-hotspots"')
    second = line_of(text, 'key = "andts-hotspots"', 2)
    assert message == (
        f'{path}:{second}: commitment key "andts-hotspots" is used twice (also line {first})'
    )


def test_a_focus_area_twice_and_an_activity_twice_are_refused(tmp_path: Path) -> None:
    text = VALID.replace('key = "vald"', 'key = "andts"') + (
        '\n[[activity]]\nkey = "tryggvedagen"\ntitle = "Igen"\n'
    )
    _, message = error_of(tmp_path, text)
    assert 'focus area key "andts" is used twice' in message
    assert 'activity key "tryggvedagen" is used twice' in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("start = 2025-01-01", 'start = "2025-02-30"', 'start "2025-02-30" is not a date'),
        ("start = 2025-01-01", "start = 2025-02-30", "start 2025-02-30 is not a date"),
        ("end = 2027-12-31", "end = 2024-12-31", "end 2024-12-31 is before start 2025-01-01"),
        ("end = 2027-12-31", 'end = "snart"', 'end "snart" is not a date (write it as 2027-02-15)'),
    ],
)
def test_bad_dates_name_the_field_and_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    text = VALID.replace(old, new)
    path, message = error_of(tmp_path, text)
    assert message == f"{path}:{line_of(text, new)}: {expected}"


def test_empty_text_and_missing_text_are_refused(tmp_path: Path) -> None:
    text = VALID.replace('text = "Fokus på hotspotsplatser."', 'text = "   "')
    path, message = error_of(tmp_path, text)
    line = line_of(text, 'text = "   "')
    assert message == f'{path}:{line}: text must be a non-empty text in quotes, got "   "'
    text = VALID.replace('text = "Fokus på hotspotsplatser."\n', "")
    _, message = error_of(tmp_path, text)
    assert "[[focus_area.commitment]] has no text (it is required)" in message


def test_unknown_keys_organisations_and_calendar_keys_are_reported_together(
    tmp_path: Path,
) -> None:
    text = (
        VALID.replace('organisation = "kommun"', 'organisation = "gemensam"')
        .replace('calendar = ["tryggvedagen"]', 'calendar = ["tryggve-dagen"]')
        .replace('title = "Medborgarlöfte"', 'titel = "Medborgarlöfte"')
    )
    path, message = error_of(tmp_path, text)
    lines = message.splitlines()
    assert len(lines) == 4  # every problem at once, in line order
    assert lines[0] == f"{path}:1: [promise] has no title (it is required)"
    assert 'unknown key "titel" in [promise] — did you mean "title"?' in lines[1]
    assert 'organisation "gemensam" is not one that signs' in lines[2]
    assert (
        'calendar names "tryggve-dagen"' in lines[3] and 'did you mean "tryggvedagen"' in lines[3]
    )


def test_a_bad_key_shape_and_a_control_character_are_refused(tmp_path: Path) -> None:
    text = VALID.replace('key = "vald-vecka"', 'key = "Vald Vecka"').replace(
        "Tillsammans genomföra", "Tillsammans\\u0007 genomföra"
    )
    _, message = error_of(tmp_path, text)
    assert 'commitment key "Vald Vecka" must be lowercase' in message
    assert "text holds a control character" in message


def test_a_file_without_parts_says_what_is_missing(tmp_path: Path) -> None:
    text = '[promise]\ntitle = "Löfte"\nstart = 2025-01-01\nend = 2025-12-31\n'
    path, message = error_of(tmp_path, text)
    assert f"{path}:1: the promise has no [[signatory]]" in message
    assert "no [[focus_area]] with commitments" in message
    _, message = error_of(tmp_path, VALID.replace('text = "Fokus på hotspotsplatser."', ""))
    assert "has no text" in message


def test_syntax_errors_and_a_missing_file_are_one_line(tmp_path: Path) -> None:
    path, message = error_of(tmp_path, VALID.replace("[promise]", "[promise"))
    assert message.startswith(f"{path}:1: TOML syntax error")
    with pytest.raises(ScheduleError, match="file not found — pass --promise FILE"):
        load_promise(tmp_path / "missing.toml")
