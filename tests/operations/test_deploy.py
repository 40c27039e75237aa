"""deploy/, Containerfile and compose.yaml, checked offline: the units parse and carry the
sandboxing, systemd itself verifies them, and every command they run exists in the CLI
with the options given."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from tryggnews.cli import cli

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
BINARY = "/opt/tryggnews/.venv/bin/tryggnews"
REQUIRED = {
    "User": "tryggnews",
    "Group": "tryggnews",
    "ProtectSystem": "strict",
    "ReadWritePaths": "/opt/tryggnews/var",
    "NoNewPrivileges": "yes",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "CapabilityBoundingSet": "",
    "Restart": "on-failure",
    "EnvironmentFile": "/etc/tryggnews/env",
    "WorkingDirectory": "/opt/tryggnews",
}
EXPECTED = {
    "tryggnews-web.service": "serve",
    "tryggnews-scheduler.service": "scheduler",
    "tryggnews-worker@.service": "worker",
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((UNITS / name).read_text(encoding="utf-8"), source=name)
    return parser


def parses_in_cli(argv: list[str]) -> None:
    """``argv`` (after the program) names a real command and options it accepts."""
    command: click.Command = cli
    args = list(argv)
    while isinstance(command, click.Group):
        name = args.pop(0)
        assert name in command.commands, f"no command {name!r} in {argv}"
        command = command.commands[name]
    with command.make_context(argv[0], args, resilient_parsing=False):
        pass


def test_the_units_are_the_three_services() -> None:
    assert sorted(p.name for p in UNITS.glob("*.service")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_unit_is_sandboxed_and_runs_a_real_command(name: str) -> None:
    parsed = unit(name)
    assert parsed.sections() == ["Unit", "Service", "Install"]
    service = parsed["Service"]
    for key, value in REQUIRED.items():
        assert service.get(key) == value, f"{name}: {key}={service.get(key)!r}, want {value!r}"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"
    program, *argv = shlex.split(service["ExecStart"])
    assert program == BINARY
    assert argv[0] == EXPECTED[name]
    parses_in_cli(argv)


def test_the_web_unit_listens_on_loopback_only() -> None:
    argv = shlex.split(unit("tryggnews-web.service")["Service"]["ExecStart"])
    assert argv[argv.index("--host") + 1] == "127.0.0.1"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_verifies_the_units(tmp_path: Path) -> None:
    """systemd's own parser: an unknown key or a bad value is a warning on stderr (fails
    here too); the program path is pointed at this checkout's tryggnews so it exists."""
    here = shutil.which("tryggnews", path=str(Path(sys.executable).parent))
    assert here, "tryggnews is not installed in this environment"
    names = []
    for source in UNITS.glob("*.service"):
        name = source.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(source.read_text().replace(BINARY, here))
        names.append(f"./{name}")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr


def compose() -> dict[str, dict[str, object]]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services: dict[str, dict[str, object]] = data["services"]
    return services


def test_compose_runs_migrations_before_the_three_roles() -> None:
    services = compose()
    assert set(services) == {"db", "migrate", "app", "scheduler", "worker"}
    assert str(services["db"]["image"]).startswith("docker.io/library/postgres:")
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    roles = {"app": "serve", "scheduler": "scheduler", "worker": "worker"}
    for name, command in roles.items():
        service = services[name]
        argv = service["command"]
        assert isinstance(argv, list) and argv[0] == command
        parses_in_cli(argv)
        assert service["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }, name
        env = service["environment"]
        assert isinstance(env, dict)
        assert str(env["TRYGGNEWS_DATABASE_URL"]).startswith("postgresql://tryggnews:")
    parses_in_cli(services["migrate"]["command"])  # type: ignore[arg-type]
    assert services["app"]["environment"]["TRYGGNEWS_EXPECT_SCHEDULER"] == "true"  # type: ignore[index]


OFFICIAL_BASE = "docker.io/library/python:3.11-slim-bookworm"
DEBIAN_BASE = "localhost/debian-bookworm-python"


def test_the_image_builds_from_debian_bookworm_and_pypi_only() -> None:
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    # The base is an argument: Docker Hub's official image by default, or the one that
    # deploy/build-image.sh makes from Debian's packages. Every stage uses the same one,
    # so the venv built in the first stage finds its interpreter in the last.
    assert re.findall(r"^ARG BASE=(\S+)$", text, re.M) == [OFFICIAL_BASE]
    assert text.index("ARG BASE=") < text.index("FROM ")
    bases = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(bases) == 2 and set(bases) == {"${BASE}"}
    # Python lives in /usr/local/bin in the official image and /usr/bin in Debian's: no
    # instruction may name either, or the bare `python` that only the official one has.
    assert not re.search(r"/usr/(local/)?bin/python|^RUN .*\bpython -m", text, re.M)
    assert re.search(r"^RUN python3 -m venv /opt/venv$", text, re.M)
    assert not re.search(r"\b(curl|wget|git clone|--index-url|--extra-index-url)\b", text)
    # WeasyPrint's libraries and the fonts of the report PDF, from Debian like everything else.
    installed = re.search(r"apt-get install -y --no-install-recommends([^&]+)&&", text)
    assert installed, "the final stage installs WeasyPrint's libraries with apt-get"
    packages = set(installed.group(1).replace("\\", " ").split())
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"} <= packages
    assert re.search(r"^USER tryggnews$", text, re.M)
    # `serve` as PID 1 ignores SIGTERM; SIGINT stops all three roles cleanly.
    assert re.search(r"^STOPSIGNAL SIGINT$", text, re.M)
    # Every file it copies is in the repository.
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source
    assert "/healthz" in text


def test_the_build_script_makes_the_base_the_containerfile_names() -> None:
    script = ROOT / "deploy" / "build-image.sh"
    text = script.read_text(encoding="utf-8")
    assert script.stat().st_mode & 0o111, "deploy/build-image.sh is executable"
    assert text.startswith("#!/usr/bin/env bash\n") and "\nset -euo pipefail\n" in text
    assert f'BASE_TAG="${{BASE_TAG:-{DEBIAN_BASE}}}"' in text
    assert '--build-arg "BASE=$BASE_TAG"' in text and f"BASE={DEBIAN_BASE}" in (
        ROOT / "Containerfile"
    ).read_text(encoding="utf-8")
    assert "--include=python3,python3-venv,ca-certificates" in text
    done = subprocess.run(
        ["bash", "-n", str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck_accepts_the_build_script() -> None:
    done = subprocess.run(
        ["shellcheck", str(ROOT / "deploy" / "build-image.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, ""), done.stdout
