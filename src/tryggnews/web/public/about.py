"""Pages about the site itself (the accessibility statement): no token, no form, no
personal data, so nothing here reads the subscriber records.
"""

from __future__ import annotations

from flask import Blueprint, render_template


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/tillganglighet", view_func=accessibility, methods=["GET"])


def accessibility() -> str:
    return render_template("public/accessibility.html")
