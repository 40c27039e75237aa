"""Publishing an issue: its audience variants, rendering, lint, and the send.

One path for preview and send, so an editor sees exactly what readers get.
MJML is rendered once per variant; the sender only substitutes tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.archive.public import public_blocks
from tryggnews.clock import Clock
from tryggnews.content.approvals import lock_issue, require_sendable
from tryggnews.content.failures import IssueFailure, UnbuildableError, built, fail_issue
from tryggnews.content.issues import get_issue, issue_blocks
from tryggnews.content.variants import VariantPlanner, record_variants, recorded_variants
from tryggnews.content.views import (
    ActivityView,
    BlockView,
    IssueView,
    VariantSpec,
    block_view,
    issue_view,
)
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import (
    OUTSTANDING_DELIVERY_STATES,
    Issue,
    IssueStatus,
)
from tryggnews.delivery.control import IssuePausedError
from tryggnews.delivery.ledger import (
    Choice,
    audience_choices,
    ledger_counts,
    outstanding_variants,
    snapshot_audience,
)
from tryggnews.delivery.message import MessageTemplate
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.delivery.sender import (
    SendSummary,
    check_transport,
    ledger_summary,
    send_issue,
)
from tryggnews.errors import LintError
from tryggnews.planning.calendar import to_view
from tryggnews.planning.plan import upcoming_activities
from tryggnews.planning.promise_block import PromiseRules
from tryggnews.planning.schedule import Schedule
from tryggnews.render.lint import lint_blocks, lint_fields, lint_issue, lint_texts
from tryggnews.render.model import Logo, RenderedVariant, Sender
from tryggnews.render.newsletter import NewsletterRenderer
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import Transport

RESUMABLE = (IssueStatus.SENDING, IssueStatus.PAUSED, IssueStatus.SENT)
# Tells the administrators that an issue failed; returns who was told, for the error.
FailureReport = Callable[[sessionmaker[Session], Transport, datetime, IssueFailure], str]


@dataclass(frozen=True)
class RenderedIssue:
    """Every variant of one issue, rendered, with the MJML each came from."""

    issue: IssueView
    specs: Mapping[str, VariantSpec]
    variants: Mapping[str, RenderedVariant]
    mjml: Mapping[str, str]
    activities: tuple[ActivityView, ...]


@dataclass(frozen=True)
class MessageSettings:
    """Header values that are the same for every message of every issue."""

    sender_name: str
    sender_address: str
    list_id_domain: str
    unsubscribe_address: str
    base_url: str
    # Where the public archive lives ("Läs i webbläsaren"); empty: base_url.
    public_url: str = ""
    # The masthead's logos, as absolute URLs served by the app.
    logos: tuple[Logo, ...] = ()

    @property
    def message_id_domain(self) -> str:
        return self.sender_address.rpartition("@")[2]


class Publisher:
    """Turns a stored issue into rendered variants and sends it."""

    def __init__(
        self,
        *,
        renderer: NewsletterRenderer,
        vocabulary: Vocabulary,
        messages: MessageSettings,
        schedule: Schedule | None,
        report_failure: FailureReport | None = None,
        promise: PromiseRules = PromiseRules(),  # noqa: B008 (frozen, shared safely)
    ) -> None:
        self.renderer = renderer
        self.vocabulary = vocabulary
        self.messages = messages
        self.schedule = schedule
        self.promise = promise
        self.report_failure = report_failure
        self.sender = Sender(
            name=messages.sender_name,
            address=messages.sender_address,
            base_url=messages.base_url,
            public_url=messages.public_url,
            logos=messages.logos,
        )

    # --- what goes into an issue ---------------------------------------------------

    def activities_for(self, issue: IssueView) -> tuple[ActivityView, ...]:
        """The calendar between this issue's send date and the next planned issue."""
        if issue.send_date is None or self.schedule is None:
            return ()
        return tuple(to_view(a) for a in upcoming_activities(self.schedule, issue.send_date))

    def view(self, issue: Issue) -> IssueView:
        """The renderer's view of the issue, with its archive page when it will have one.

        The archive's own rule decides (``archive.public``): an issue with no block the
        public may read, or one withdrawn from the web, gets no "Läs i webbläsaren" link.
        """
        view = self.promise.decorate(issue, issue_view(issue))
        if issue.web_withdrawn_at is not None or not public_blocks(issue):
            return view
        root = (self.messages.public_url or self.messages.base_url).rstrip("/")
        return replace(view, web_url=f"{root}/arkiv/{issue.key}")

    @staticmethod
    def blocks_of(issue: Issue) -> list[BlockView]:
        return [block_view(b) for b in issue_blocks(issue)]

    def planner(self, blocks: Sequence[BlockView]) -> VariantPlanner:
        return VariantPlanner(
            blocks,
            self.vocabulary.audiences,
            self.vocabulary.topics,
            self.vocabulary.languages,
            audience_translations=self.vocabulary.audience_translations,
        )

    def plan_variants(
        self, session: Session, blocks: Sequence[BlockView], now: datetime
    ) -> tuple[VariantPlanner, list[Choice]]:
        """Every variant the receiving subscribers need, and the choices that make them.

        The database hands over each distinct (audiences, topics, language) held once, so
        the Python work grows with the choices people make, not with the list; a language
        nobody reads is never rendered. The snapshot maps the same choices back to their
        holders.
        """
        planner = self.planner(blocks)
        choices = audience_choices(session, now)
        for choice in choices:
            choice.variant(planner)
        return planner, choices

    # --- rendering and lint --------------------------------------------------------

    def render(self, issue: IssueView, specs: Sequence[VariantSpec]) -> RenderedIssue:
        activities = self.activities_for(issue)
        variants: dict[str, RenderedVariant] = {}
        sources: dict[str, str] = {}
        for spec in specs:
            shown = activities if spec.include_activities else ()
            variants[spec.key], sources[spec.key] = self.renderer.render_variant_and_source(
                issue, spec, shown, self.sender
            )
        return RenderedIssue(
            issue=issue,
            specs={spec.key: spec for spec in specs},
            variants=variants,
            mjml=sources,
            activities=activities,
        )

    def lint(self, rendered: RenderedIssue, blocks: Sequence[BlockView]) -> list[str]:
        """Every reason the issue may not go out; empty when it may."""
        problems = lint_texts(rendered.issue, blocks) + lint_fields(rendered.issue)
        problems += lint_blocks(blocks) + self.promise.problems(rendered.issue, blocks)
        if not blocks:
            problems.append("utskicket har inga block")
        if not rendered.variants:
            problems.append("utskicket har inga mottagare: ingen prenumerant är aktiv just nu")
        problems += lint_issue(
            list(rendered.variants.values()), list(rendered.specs.values()), rendered.mjml
        )
        return problems

    def preview(
        self,
        issue: Issue,
        *,
        audiences: Sequence[str],
        topics: Sequence[str] = (),
        language: str = "sv",
    ) -> RenderedVariant:
        """The variant a person with these audiences and topics would get.

        Raises ``LintError`` naming the fields when a text holds a control character
        (nothing is rendered then: a NUL stops the MJML parser).
        """
        blocks = self.blocks_of(issue)
        refused = lint_texts(issue_view(issue), blocks)
        if refused:
            raise LintError(refused)
        spec = self.planner(blocks).variant_for(audiences, topics, language)
        rendered = self.render(self.view(issue), [spec])
        return rendered.variants[spec.key]

    def check(
        self, session: Session, issue: Issue, now: datetime
    ) -> tuple[RenderedIssue, list[str]]:
        """Render every variant the current subscribers need, and lint the result.

        Texts with control characters are reported without rendering anything (the
        result then has no variants), so the page that shows them still works.
        """
        blocks = self.blocks_of(issue)
        view = self.view(issue)
        refused = lint_texts(view, blocks)
        if refused:
            return RenderedIssue(view, {}, {}, {}, ()), refused
        planner, _ = self.plan_variants(session, blocks, now)
        rendered = self.render(view, list(planner.variants.values()))
        return rendered, self.lint(rendered, blocks)

    # --- sending -------------------------------------------------------------------

    def send(
        self,
        session_factory: sessionmaker[Session],
        issue_ref: str,
        *,
        transport: Transport,
        signer: TokenSigner,
        clock: Clock,
        worker_id: str,
        batch_size: int,
        on_start: Callable[[int], None] | None = None,
        progress: Callable[[int], None] | None = None,
        options: DeliveryOptions | None = None,
        deliver: bool = True,
        require_approval: bool,
    ) -> SendSummary:
        """Snapshot the audience into the ledger and deliver to everyone not yet served.

        Refuses with ``LintError`` (nothing snapshotted, nothing sent) when the issue
        fails lint, with ``TransportError`` when the transport cannot connect or log
        in (checked first, so nothing is snapshotted either), with ``ApprovalError``
        when ``require_approval`` and the police and the kommun have not both approved
        the current version (checked with the issue row locked), and with
        ``IssuePausedError`` when the send is paused. Safe to run again: rows already
        sent are never sent again. ``deliver=False`` only snapshots and marks the
        issue ``sending``, leaving delivery to ``tryggnews worker``.

        An issue whose messages cannot be built (any exception while rendering it or
        building its MIME template) is marked ``failed`` with the reason, reported
        through ``report_failure``, and refused with ``IssueBuildError``: a fresh send
        snapshots nothing then, and every other issue is unaffected.
        """
        if deliver:
            check_transport(transport)
        variants: dict[str, RenderedVariant] = {}
        templates: dict[str, MessageTemplate] = {}
        try:
            with session_factory.begin() as session:
                issue = get_issue(session, issue_ref)
                issue_id = issue.id
                if issue.status not in RESUMABLE:
                    # Locked (and read again) until the snapshot commits: an edit, a
                    # withdrawn approval or a second sender cannot cross the checks below.
                    issue = lock_issue(session, issue_id)
                if issue.status == IssueStatus.PAUSED:
                    raise IssuePausedError(issue.key)
                # A send that already started (or finished) resumes from its ledger; only
                # a fresh send is linted and snapshotted, in the same transaction as its
                # move to "sending", so a crash cannot leave half a snapshot.
                if issue.status not in RESUMABLE:
                    if require_approval:
                        require_sendable(session, issue)
                    blocks = self.blocks_of(issue)
                    view = self.view(issue)
                    refused = lint_texts(view, blocks)
                    if refused:
                        raise LintError(refused)
                    planner, choices = self.plan_variants(session, blocks, clock.now())
                    snapshot_audience(session, issue_id, planner, now=clock.now(), choices=choices)
                    # Rendered and linted after the snapshot: someone who chose anew since
                    # planning (PostgreSQL reads each statement afresh) got a variant planned
                    # only then, and it is checked like the others. A refusal rolls the
                    # snapshot back with everything else.
                    specs = list(planner.variants.values())
                    rendered = built(lambda: self.render(view, specs))
                    problems = self.lint(rendered, blocks)
                    if problems:
                        raise LintError(problems)
                    templates.update(built(lambda: self._templates(view, rendered.variants)))
                    record_variants(session, issue_id, planner.variants.values())
                    issue.status = IssueStatus.SENDING
                    issue.published_at = clock.now()  # the archive page opens now
                    variants.update(rendered.variants)
            if not deliver:
                with session_factory() as session:
                    return ledger_summary(ledger_counts(session, issue_id))
            with session_factory() as session:
                issue = get_issue(session, str(issue_id))
                view = self.view(issue)
                # Only variants that still have recipients need a template; a resumed
                # send renders those from their recorded definition.
                needed = outstanding_variants(session, issue_id)
                missing = recorded_variants(session, issue, needed - variants.keys())
                unbuilt = needed - templates.keys()
                refused = lint_texts(view, self.blocks_of(issue)) if unbuilt else []
                counts = ledger_counts(session, issue_id)
            if refused:
                raise UnbuildableError("; ".join(refused))
            if missing:
                variants.update(built(lambda: self.render(view, missing).variants))
            todo = {key: v for key, v in variants.items() if key in unbuilt}
            templates.update(built(lambda: self._templates(view, todo)))
        except UnbuildableError as exc:
            now, report = clock.now(), self.report_failure
            told = report and partial(report, session_factory, transport, now)
            raise fail_issue(session_factory, issue_id, exc.reason, now=now, report=told) from exc
        if on_start is not None:
            on_start(sum(counts.get(state, 0) for state in OUTSTANDING_DELIVERY_STATES))
        return send_issue(
            session_factory,
            issue_id,
            templates=templates,
            transport=transport,
            signer=signer,
            clock=clock,
            worker_id=worker_id,
            batch_size=batch_size,
            message_id_domain=self.messages.message_id_domain,
            progress=progress,
            options=options,
        )

    def _templates(
        self, view: IssueView, variants: Mapping[str, RenderedVariant]
    ) -> dict[str, MessageTemplate]:
        """One MIME template per variant; raises what building a header or part raises."""
        return {
            key: MessageTemplate.from_variant(
                variant,
                sender_name=self.messages.sender_name,
                sender_address=self.messages.sender_address,
                list_id_domain=self.messages.list_id_domain,
                unsubscribe_address=self.messages.unsubscribe_address,
                base_url=self.messages.base_url,
                feedback_id=f"{view.key}:{key}:trygg",
            )
            for key, variant in variants.items()
        }
