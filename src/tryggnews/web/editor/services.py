"""Parts the editor pages share, built once per app from its settings.

The publisher (renderer and schedule) is rebuilt when schedule.toml changes, so an
administrator's edit of the plan shows without a restart.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import current_app

from tryggnews import wiring
from tryggnews.content.views import issue_view
from tryggnews.db.models import Issue
from tryggnews.editors.accounts import LOCK_MINUTES, MAX_FAILED_LOGINS
from tryggnews.editors.mail import Notice, send_notices
from tryggnews.planning.schedule import Schedule
from tryggnews.publishing import Publisher
from tryggnews.render.lint import lint_texts
from tryggnews.web.context import web_context
from tryggnews.web.editor.ratelimit import AttemptLimiter

LOGIN_ATTEMPTS_PER_ADDRESS = 20
LOGIN_WINDOW = timedelta(minutes=15)


class EditorServices:
    def __init__(self) -> None:
        context = web_context()
        self.settings = context.settings
        self.vocabulary = context.vocabulary
        counters = wiring.shared_counters(context.session_factory, context.settings)
        self.login_limiter = AttemptLimiter(
            context.clock,
            counters,
            scope="login-client",
            limit=LOGIN_ATTEMPTS_PER_ADDRESS,
            window=LOGIN_WINDOW,
        )
        # Failures per (typed address, client): the same number as the account lock.
        self.login_failures = AttemptLimiter(
            context.clock,
            counters,
            scope="login-failures",
            limit=MAX_FAILED_LOGINS,
            window=timedelta(minutes=LOCK_MINUTES),
        )
        self._lock = threading.Lock()
        self._publisher: Publisher | None = None
        self._schedule_mtime: float | None = None

    def _mtime(self) -> float | None:
        try:
            return self.settings.schedule.stat().st_mtime
        except OSError:
            return None

    def publisher(self) -> Publisher:
        """The one publishing path (``wiring.publisher``): what editors see is what is sent."""
        mtime = self._mtime()
        with self._lock:
            if self._publisher is None or mtime != self._schedule_mtime:
                self._publisher = wiring.publisher(self.settings, self.vocabulary)
                self._schedule_mtime = mtime
            return self._publisher

    def content_problems(self, issue: Issue) -> list[str]:
        """Lint of the issue as someone in every audience gets it: what approval waits for.

        Unlike ``Publisher.check`` this does not depend on who subscribes today, so an
        issue can be approved before the list is imported; sending still runs the full
        check and refuses on any problem.
        """
        publisher = self.publisher()
        blocks = publisher.blocks_of(issue)
        refused = lint_texts(issue_view(issue), blocks)
        if refused:  # not rendered: a NUL stops the MJML parser
            return refused
        spec = publisher.planner(blocks).variant_for(list(self.vocabulary.audiences), ())
        return publisher.lint(publisher.render(publisher.view(issue), [spec]), blocks)

    def schedule(self) -> Schedule | None:
        return self.publisher().schedule

    def issue_url(self, key: str) -> str:
        return f"{self.settings.base_url}/redaktion/utskick/{key}"

    def notify(self, notices: list[Notice]) -> list[str]:
        """Email the notices through the app's transport; the addresses that failed."""
        context = web_context()
        return send_notices(
            context.transport,
            notices,
            sender_name=self.settings.sender_name,
            sender_address=self.settings.sender_address,
            now=context.clock.now(),
        )


def services() -> EditorServices:
    if "tryggnews_editor" not in current_app.extensions:
        current_app.extensions.setdefault("tryggnews_editor", EditorServices())
    found: EditorServices = current_app.extensions["tryggnews_editor"]
    return found
