"""Transports are a bottom room: each imports without SQLAlchemy or any room of ours above it.

Run in a fresh interpreter with ``sys.modules["sqlalchemy"] = None``, so any import of
SQLAlchemy (directly or through the ORM, the ledger or the config) raises ImportError.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
sys.modules["sqlalchemy"] = None
import {module}
allowed = {{"tryggnews", "tryggnews.errors"}}
for name in sorted(sys.modules):
    if name.startswith("tryggnews") and name not in allowed:
        if not name.startswith("tryggnews.transports"):
            print(name)
"""


@pytest.mark.parametrize(
    "module",
    [
        "tryggnews.transports",
        "tryggnews.transports.smtp",
        "tryggnews.transports.brevo",
        "tryggnews.transports.outbox",
        "tryggnews.transports.dkim",
    ],
)
def test_transport_imports_without_sqlalchemy(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Nothing of ours but the errors module came along.
    assert done.stdout.strip() == "", done.stdout


def test_probe_fails_for_a_module_that_needs_sqlalchemy() -> None:
    # The probe itself can fail: the ledger needs SQLAlchemy and must not import.
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module="tryggnews.delivery.ledger")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "sqlalchemy" in done.stderr
