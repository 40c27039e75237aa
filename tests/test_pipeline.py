"""End to end through the CLI: init and demo deliver one correct message per subscriber, once."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from dotenv import dotenv_values

from tryggnews.cli import cli
from tryggnews.subscribers.tokens import TokenPurpose, TokenSigner

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CSV = REPO / "subscribers" / "sample.csv"


@pytest.fixture
def project(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder, as on a new machine, pointed at the test database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRYGGNEWS_DATABASE_URL", db_url)
    monkeypatch.setenv("TRYGGNEWS_TEMPLATES_DIR", str(REPO / "templates"))
    monkeypatch.setenv("TRYGGNEWS_SCHEDULE", str(REPO / "schedule.toml"))
    monkeypatch.setenv("TRYGGNEWS_AUDIENCES", str(REPO / "audiences.toml"))
    monkeypatch.delenv("TRYGGNEWS_SECRET_KEY", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def outbox_messages(project: Path) -> list[EmailMessage]:
    files = sorted((project / "var" / "outbox" / "new").iterdir())
    return [
        email.message_from_bytes(f.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for f in files
    ]


def test_demo_delivers_valid_messages_once(project: Path) -> None:
    assert run("init").exit_code == 0
    secret = dotenv_values(project / ".env")["TRYGGNEWS_SECRET_KEY"]
    assert secret and len(secret) >= 32

    first = run("demo", "--subscribers", str(SAMPLE_CSV))
    assert first.exit_code == 0, first.output
    messages = outbox_messages(project)
    subscribers = len(SAMPLE_CSV.read_text(encoding="utf-8-sig").splitlines()) - 1
    assert len(messages) == subscribers
    assert len({m["To"] for m in messages}) == len(messages)

    signer = TokenSigner(secret)
    languages: set[str] = set()
    for message in messages:
        parts = [p for p in message.walk() if not p.is_multipart()]
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in parts)
        assert "Österåker" in message["Subject"]
        html = parts[1].get_content()
        found = re.search(r'<html lang="(sv|en|ar|so)" dir="(ltr|rtl)"', html)
        assert found is not None
        languages.add(found.group(1))
        assert (found.group(2) == "rtl") == (found.group(1) == "ar")
        assert len(parts[1].as_bytes()) < 90_000
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = (link.strip(" <>") for link in message["List-Unsubscribe"].split(","))
        assert mailto.startswith("mailto:")
        token = https.rsplit("/u/", 1)[1]
        claims = signer.verify(TokenPurpose.UNSUBSCRIBE, token)
        assert f"/u/{token}" in html and f"/u/{token}" in parts[0].get_content()
        manage = re.search(r"/p/([A-Za-z0-9._-]+)", html)
        assert manage is not None
        assert signer.verify(TokenPurpose.MANAGE, manage.group(1)) == claims

    # The sample's readers of English, Arabic and Somali get their language (issue 15).
    assert languages == {"sv", "en", "ar", "so"}

    second = run("demo", "--subscribers", str(SAMPLE_CSV))
    assert second.exit_code == 0, second.output
    assert len(outbox_messages(project)) == subscribers  # nothing sent twice
    assert re.search(r"Messages written now\s*│\s*0\b", second.output)


def test_issue_without_blocks_is_refused_with_reasons(project: Path) -> None:
    run("init")
    created = run("issue", "create", "--key", "2027-9", "--title", "Tomt nummer")
    assert created.exit_code == 0, created.output
    refused = run("issue", "send", "2027-9")
    assert refused.exit_code == 2
    assert "not approved by both" in refused.output
    result = run("issue", "send", "2027-9", "--without-approval")
    assert result.exit_code == 2
    assert "inga block" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--area", "kaffe"], "fokusområde: okänt 'kaffe'"),
        (["--area", "andts", "--image-url", "https://trygg.example.se/a.jpg"], "alt-text"),
        (["--area", "andts", "--audience", "alla-barn"], "unknown audience 'alla-barn'"),
    ],
)
def test_bad_blocks_exit_2_with_one_clear_line(
    project: Path, extra: list[str], expected: str
) -> None:
    run("init")
    body = project / "body.md"
    body.write_text("Text.\n", encoding="utf-8")
    result = run(
        "block", "add", "--title", "Rubrik", "--org", "polis", "--body-file", str(body), *extra
    )
    assert result.exit_code == 2
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_block_without_title_is_refused(project: Path) -> None:
    run("init")
    body = project / "body.md"
    body.write_text("Text.\n", encoding="utf-8")
    result = run(
        "block", "add", "--title", " ", "--org", "polis", "--area", "vald", "--body-file", str(body)
    )
    assert result.exit_code == 2
    assert "rubrik" in result.output


def test_every_command_has_help() -> None:
    # Each command and group answers --help with a description of itself.
    def walk(group: object, path: list[str]) -> list[list[str]]:
        commands = getattr(group, "commands", {})
        found = [path]
        for name, command in commands.items():
            found += walk(command, [*path, name])
        return found

    for path in walk(cli, []):
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Usage:" in result.output
        command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        assert command.help, f"`tryggnews {' '.join(path)}` has no help text"
