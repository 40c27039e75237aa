"""`tryggnews doctor`: the readiness checks plus the settings, ✓/✗ per line, exit 1 on a
failure. Real databases, real DKIM keys (RSA and Ed25519) and their records."""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sending_setup import cli_env

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.db.engine import make_engine
from tryggnews.operations.dkim_check import parse_record, public_value


def doctor(settings: Settings, tmp_path: Path, *args: str, **env: str) -> Result:
    environment = {"TRYGGNEWS_OUTBOX_DIR": str(tmp_path / "outbox"), **cli_env(settings)}
    environment.update({f"TRYGGNEWS_{k.upper()}": v for k, v in env.items()})
    runner = CliRunner()
    with contextlib.chdir(tmp_path):  # no .env of the repository is read
        return runner.invoke(cli, ["doctor", "--no-dns", *args], env=environment)


def lines(result: Result) -> dict[str, str]:
    """{check name: the whole line}."""
    found = {}
    for line in result.stdout.splitlines():
        if line[:2] in ("✓ ", "✗ "):
            found[line[2:].split(":", 1)[0]] = line
    return found


def test_a_ready_installation_passes(settings: Settings, engine: object, tmp_path: Path) -> None:
    (tmp_path / "outbox" / "tmp").mkdir(parents=True)
    result = doctor(settings, tmp_path)
    assert result.exit_code == 0, result.output
    checks = lines(result)
    assert list(checks) == [
        "database",
        "migrations",
        "outbox",
        "secret key",
        "base URL",
        "addresses",
        "transport",
        "bounces",
        "redirect",
        "dkim",
    ]
    assert all(line.startswith("✓") for line in checks.values())
    assert result.stdout.rstrip().endswith("All 10 checks passed.")


def test_a_database_without_schema_and_unsafe_settings_fail(
    settings: Settings, tmp_path: Path
) -> None:
    empty = make_engine(settings.database_url)
    with empty.connect():  # the database exists (a SQLite file too), without tables
        pass
    empty.dispose()
    result = doctor(
        settings,
        tmp_path,
        transport="smtp",
        smtp_host="",
        base_url="http://trygg.example.se",
        sender_address="not an address",
        bounce_address="bounces@trygg.example.se",
        redirect_all_to="test@example.org",
        secret_key="short",
    )
    assert result.exit_code == 1
    checks = lines(result)
    failing = {name for name, line in checks.items() if line.startswith("✗")}
    assert failing == {
        "migrations",
        "secret key",
        "base URL",
        "addresses",
        "transport",
        "bounces",
        "redirect",
    }
    assert "TRYGGNEWS_SMTP_HOST is empty" in checks["transport"]
    assert "not https, but mail goes out for real" in checks["base URL"]
    assert "TRYGGNEWS_SENDER_ADDRESS='not an address'" in checks["addresses"]
    assert "nothing reads them" in checks["bounces"]
    assert "too short" in checks["secret key"]
    assert "7 check(s) failed" in result.stderr
    assert "Traceback" not in result.output


def test_brevo_needs_its_key_and_the_webhook(settings: Settings, tmp_path: Path) -> None:
    result = doctor(settings, tmp_path, transport="brevo", base_url="https://trygg.example.se")
    checks = lines(result)
    assert result.exit_code == 1
    assert "TRYGGNEWS_BREVO_API_KEY is empty" in checks["transport"]
    assert "TRYGGNEWS_WEBHOOK_SECRET" in checks["bounces"]
    assert "outbox" not in checks


@pytest.fixture
def dkim_keys(tmp_path: Path) -> dict[str, Path]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    files = {"rsa": tmp_path / "dkim-rsa.pem", "ed25519": tmp_path / "dkim-ed25519.pem"}
    pkcs8 = serialization.PrivateFormat.PKCS8
    for path, key in ((files["rsa"], rsa_key), (files["ed25519"], ed_key)):
        path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())
        )
    for kind, key in (("rsa", rsa_key), ("ed25519", ed_key)):
        p = base64.b64encode(public_value(key)).decode()
        # As a zone file has it: the value split into quoted strings.
        files[f"{kind}-record"] = tmp_path / f"{kind}.txt"
        files[f"{kind}-record"].write_text(
            f'tn2027._domainkey.trygg.example.se. IN TXT ( "v=DKIM1; k={kind}; " "p={p[:40]}" '
            f'"{p[40:]}" )\n'
        )
    return files


def dkim_env(keys: dict[str, Path]) -> dict[str, str]:
    return {
        "dkim_domain": "trygg.example.se",
        "dkim_selector": "tn2027",
        "dkim_private_key_file": str(keys["rsa"]),
        "dkim_ed25519_selector": "tn2027e",
        "dkim_ed25519_private_key_file": str(keys["ed25519"]),
    }


def test_dkim_keys_match_their_records(
    settings: Settings, engine: object, tmp_path: Path, dkim_keys: dict[str, Path]
) -> None:
    (tmp_path / "outbox" / "tmp").mkdir(parents=True)
    records = ["--dkim-record", str(dkim_keys["rsa-record"])]
    records += ["--dkim-record", str(dkim_keys["ed25519-record"])]
    result = doctor(settings, tmp_path, *records, **dkim_env(dkim_keys))
    assert result.exit_code == 0, result.output
    checks = lines(result)
    assert "rsa, ed25519 key(s) can sign" in checks["dkim"]
    assert checks["dkim rsa record"].startswith("✓") and "matches" in checks["dkim rsa record"]
    assert checks["dkim ed25519 record"].startswith("✓")


def test_a_record_of_another_key_is_named_with_the_record_to_publish(
    settings: Settings, engine: object, tmp_path: Path, dkim_keys: dict[str, Path]
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stale = tmp_path / "stale.txt"
    stale.write_text("v=DKIM1; k=rsa; p=" + base64.b64encode(public_value(other)).decode())
    result = doctor(settings, tmp_path, "--dkim-record", str(stale), **dkim_env(dkim_keys))
    assert result.exit_code == 1
    line = lines(result)["dkim rsa record"]
    assert line.startswith("✗") and "holds another key" in line
    ours = base64.b64encode(parse_record(dkim_keys["rsa-record"].read_text())[1]).decode()
    assert f'tn2027._domainkey.trygg.example.se TXT "v=DKIM1; k=rsa; p={ours}"' in line


def test_an_unreadable_dkim_key_names_the_setting(
    settings: Settings, tmp_path: Path, dkim_keys: dict[str, Path]
) -> None:
    env = dkim_env(dkim_keys) | {"dkim_private_key_file": str(tmp_path / "missing.pem")}
    result = doctor(settings, tmp_path, **env)
    assert result.exit_code == 1
    assert "TRYGGNEWS_DKIM_PRIVATE_KEY_FILE" in lines(result)["dkim"]
    assert "Traceback" not in result.output


def test_a_pkcs1_rsa_record_is_the_same_key(dkim_keys: dict[str, Path]) -> None:
    key = serialization.load_pem_private_key(dkim_keys["rsa"].read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    pkcs1 = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    from tryggnews.operations.dkim_check import same_key

    assert same_key("rsa", pkcs1, public_value(key))
    assert not same_key("rsa", b"garbage", public_value(key))
    with pytest.raises(ValueError, match="revoked"):
        parse_record("v=DKIM1; k=rsa; p=")
