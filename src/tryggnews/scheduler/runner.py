"""The scheduler process: APScheduler 3 in the plan's time zone, active only under the lease.

Measured (DESIGN.md): two APScheduler 3 processes sharing a job store run a job twice,
and a scheduler never sees jobs another process adds. So:

- exactly one process is active: it holds the database lease (``lease``) and renews
  it; every other one waits and takes over once the lease has expired;
- jobs live in a memory job store and are derived from the database and the plan:
  fixed daily ``CronTrigger`` jobs (reminders 08:00, quota 09:00, purge 04:15, retention 04:30 —
  a cron job in 02:00–03:00 would run twice in October), one ``DateTrigger`` job per
  upcoming approved issue (id ``send:KEY``), and a ``reconcile`` job every few minutes
  that runs every due job and rebuilds the date jobs;
- every job has an explicit id, ``replace_existing=True``, ``coalesce=True`` and an
  explicit ``misfire_grace_time`` (APScheduler's default is one second), and they run
  one at a time (a single worker thread), so two jobs never send the same issue at once.

The triggers only decide when to look; what is due is decided by ``jobs`` from stored
state, so a missed trigger costs at most one reconcile interval, never a send.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.errors import TryggnewsError
from tryggnews.planning.schedule import Schedule
from tryggnews.publishing import Publisher
from tryggnews.retention import RetentionPeriods
from tryggnews.scheduler.actions import Action
from tryggnews.scheduler.bounce_mail import BounceFetch, bounce_step
from tryggnews.scheduler.jobs import ALL_JOBS, PassContext, run_due_pass
from tryggnews.scheduler.lease import (
    SCHEDULER_LEASE,
    LeaseState,
    acquire_lease,
    current_lease,
    release_lease,
    renew_lease,
)
from tryggnews.scheduler.notifier import Notifier
from tryggnews.scheduler.sending import Sending
from tryggnews.subscribers.emails import mask_addresses
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import Transport

log = logging.getLogger("tryggnews.scheduler")

DEFAULT_TIMEZONE = "Europe/Stockholm"
SEND_JOB_PREFIX = "send:"
SEND_JOBS = frozenset({"retries", "fill", "sends"})


@dataclass(frozen=True)
class DailyJob:
    """A job run every day at a local wall-clock time."""

    id: str
    at: time
    jobs: frozenset[str]


DAILY_JOBS = (
    DailyJob("notices", time(8, 0), frozenset({"reminders", "escalations"})),
    DailyJob("quota", time(9, 0), frozenset({"quota"})),
    DailyJob("purge", time(4, 15), frozenset({"purge"})),
    DailyJob("retention", time(4, 30), frozenset({"retention"})),  # not in ALL_JOBS: daily only
)
# A daily job planned here runs twice in October or not at all in March.
DST_HOUR = (time(2, 0), time(3, 0))
# How late a daily job may still start after a stall; later, the next reconcile catches up.
DAILY_MISFIRE = timedelta(hours=1)


def daily_trigger(job: DailyJob, tz: ZoneInfo) -> CronTrigger:
    """``CronTrigger`` at ``job.at`` local time (not an interval: that drifts across DST)."""
    if DST_HOUR[0] <= job.at < DST_HOUR[1]:
        raise ValueError(f"daily job {job.id} at {job.at}: never plan jobs in 02:00–03:00")
    return CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=tz)


@dataclass(frozen=True)
class SchedulerParts:
    """Everything a pass needs, built by the caller (the CLI builds it from settings)."""

    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    load_schedule: Callable[[], Schedule | None]
    make_publisher: Callable[[], Publisher]
    make_transport: Callable[[], Transport]
    signer: TokenSigner
    worker_id: str
    batch_size: int
    base_url: str
    grace: timedelta
    purge_after: timedelta
    # How scheduled sends behave (the same options `issue send` and workers use: rate,
    # retries, lease, suppression, VERP), and the bounce mailbox read every pass.
    options: DeliveryOptions | None = None
    bounce_fetch: BounceFetch | None = None
    retention: RetentionPeriods | None = None  # None: no retention job (gallring)


class ScheduleSource:
    """The plan, re-read for every pass; a broken edit keeps the last good plan running."""

    def __init__(self, load: Callable[[], Schedule | None]) -> None:
        self._load = load
        self._last: Schedule | None = None
        self._loaded = False

    def current(self) -> Schedule | None:
        try:
            self._last = self._load()
            self._loaded = True
        except TryggnewsError as exc:
            if not self._loaded:
                raise
            log.error("%s — still using the plan read before", exc)
        return self._last


def run_pass(
    parts: SchedulerParts, schedule: Schedule | None, jobs: frozenset[str] = ALL_JOBS
) -> tuple[list[Action], dict[str, datetime]]:
    """One pass of ``jobs`` with a fresh transport (closed afterwards)."""
    transport = parts.make_transport()
    try:
        notifier = None
        if schedule is not None:
            notifier = Notifier.for_newsletter(transport, schedule.newsletter, parts.base_url)
        context = PassContext(
            session_factory=parts.session_factory,
            clock=parts.clock,
            schedule=schedule,
            sending=Sending(
                make_publisher=parts.make_publisher,
                transport=transport,
                signer=parts.signer,
                worker_id=parts.worker_id,
                batch_size=parts.batch_size,
                options=parts.options,
            ),
            notifier=notifier,
            grace=parts.grace,
            purge_after=parts.purge_after,
            jobs=jobs,
            bounces=bounce_step(parts.session_factory, parts.clock, parts.bounce_fetch),
            retention=parts.retention,
        )
        return run_due_pass(context)
    finally:
        transport.close()


class SchedulerRunner:
    """Waits for the lease, runs APScheduler while holding it, steps down when it is lost.

    ``lease_ttl`` is how long the lease lasts unrenewed: the active scheduler renews it
    every third of that, and a waiting one tries every third of that, so a standby
    takes over at most ``lease_ttl`` plus a third after the active one died.
    """

    def __init__(
        self,
        parts: SchedulerParts,
        *,
        holder: str,
        lease_ttl: timedelta,
        reconcile_every: timedelta,
        lease_name: str = SCHEDULER_LEASE,
    ) -> None:
        self.parts = parts
        self.holder = holder
        self.lease_ttl = lease_ttl
        self.reconcile_every = reconcile_every
        self.lease_name = lease_name
        self.schedules = ScheduleSource(parts.load_schedule)
        self._scheduler: BackgroundScheduler | None = None
        self._last_seen_holder: str | None = None

    @property
    def tick(self) -> float:
        return self.lease_ttl.total_seconds() / 3

    # --- the lease ----------------------------------------------------------------

    def _acquire(self) -> bool:
        try:
            return acquire_lease(
                self.parts.engine,
                self.lease_name,
                self.holder,
                now=self.parts.clock.now(),
                ttl=self.lease_ttl,
            )
        except SQLAlchemyError as exc:
            log.warning("cannot reach the database to take the lease: %s", exc)
            return False

    def holder_now(self) -> LeaseState | None:
        return current_lease(self.parts.engine, self.lease_name)

    def _keep_lease(self, until: threading.Event) -> bool:
        """Renew the lease every tick until ``until`` is set; False once it is lost.

        A database hiccup is tolerated as long as the lease would still be valid.
        """
        renewed = self.parts.clock.now()
        while not until.wait(self.tick):
            now = self.parts.clock.now()
            try:
                if renew_lease(
                    self.parts.engine, self.lease_name, self.holder, now=now, ttl=self.lease_ttl
                ):
                    renewed = now
                    continue
                log.warning("lost the scheduler lease (expired or taken over): stepping down")
                return False
            except SQLAlchemyError as exc:
                if now - renewed >= self.lease_ttl:
                    log.error("cannot renew the lease and it has expired: stepping down")
                    return False
                log.warning("cannot renew the lease yet (%s); retrying", exc)
        return True

    def _release(self) -> None:
        try:
            release_lease(self.parts.engine, self.lease_name, self.holder)
        except SQLAlchemyError as exc:
            log.warning("could not release the lease (it expires by itself): %s", exc)

    # --- running ------------------------------------------------------------------

    def once(self) -> list[Action] | None:
        """Take the lease, run one pass of every job, release it; None if another holds it.

        An invalid plan raises ``ScheduleError`` before anything is done.
        """
        if not self._acquire():
            return None
        outcome: list[list[Action]] = []
        failure: list[BaseException] = []
        try:
            schedule = self.schedules.current()
            done = threading.Event()

            def work() -> None:
                try:
                    outcome.append(run_pass(self.parts, schedule)[0])
                except BaseException as exc:  # handed to the caller's thread below
                    failure.append(exc)
                finally:
                    done.set()

            worker = threading.Thread(target=work, name="scheduler-pass")
            worker.start()
            # The pass may outlast the lease (a large send): keep it renewed meanwhile.
            if not self._keep_lease(done):
                log.warning("the lease was lost during the pass; finishing it anyway")
            worker.join()
        finally:
            self._release()
        if failure:
            raise failure[0]
        return outcome[0]

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set: wait for the lease, lead, step down, repeat."""
        try:
            while not stop.is_set():
                if self._acquire():
                    log.info("holding the scheduler lease as %s", self.holder)
                    self._last_seen_holder = None
                    self._lead(stop)
                else:
                    self._report_waiting()
                    stop.wait(self.tick)
        finally:
            self._release()

    def _report_waiting(self) -> None:
        try:
            lease = self.holder_now()
        except SQLAlchemyError:
            return
        holder = lease.holder if lease else None
        if holder != self._last_seen_holder and lease is not None:
            log.info(
                "waiting: the scheduler lease is held by %s until %s",
                lease.holder,
                lease.expires_at.isoformat(timespec="seconds"),
            )
        self._last_seen_holder = holder

    def _lead(self, stop: threading.Event) -> None:
        schedule = self.schedules.current()
        tz = schedule.tz if schedule is not None else ZoneInfo(DEFAULT_TIMEZONE)
        scheduler = BackgroundScheduler(
            timezone=tz,
            jobstores={"default": MemoryJobStore()},
            # One at a time: a reconcile and a send job must not send one issue together.
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._scheduler = scheduler
        scheduler.add_job(
            self._run_jobs,
            IntervalTrigger(seconds=self.reconcile_every.total_seconds(), timezone=tz),
            args=(ALL_JOBS,),
            id="reconcile",
            replace_existing=True,
            misfire_grace_time=int(self.reconcile_every.total_seconds()),
            coalesce=True,
            next_run_time=datetime.now(tz),  # a pass at once: catch up after downtime
        )
        for job in DAILY_JOBS:
            scheduler.add_job(
                self._run_jobs,
                daily_trigger(job, tz),
                args=(job.jobs,),
                id=job.id,
                replace_existing=True,
                misfire_grace_time=int(DAILY_MISFIRE.total_seconds()),
                coalesce=True,
            )
        scheduler.start()
        try:
            self._keep_lease(stop)
        finally:
            # Waits for a running job: a send in progress finishes its batch and records it.
            scheduler.shutdown(wait=True)
            self._scheduler = None

    def _run_jobs(self, jobs: frozenset[str]) -> None:
        actions, upcoming = run_pass(self.parts, self.schedules.current(), jobs)
        for action in actions:
            # An action may name its recipients (for `--once`); the log keeps their domains.
            (log.error if action.failed else log.info)("%s", mask_addresses(str(action)))
        self._sync_send_jobs(upcoming)

    def _sync_send_jobs(self, upcoming: dict[str, datetime]) -> None:
        if self._scheduler is not None:
            sync_send_jobs(self._scheduler, upcoming, self._run_jobs, grace=self.parts.grace)


def sync_send_jobs(
    scheduler: BaseScheduler,
    upcoming: dict[str, datetime],
    run: Callable[[frozenset[str]], None],
    *,
    grace: timedelta,
) -> None:
    """Make the scheduler's ``send:KEY`` date jobs match ``upcoming`` (key → instant).

    A job whose issue is no longer upcoming (sent, unapproved, moved into the past) is
    removed; a new or moved one is (re)added with ``replace_existing``. Each runs the
    send jobs (retries, fill, sends) at the issue's instant; ``misfire_grace_time`` is
    the send grace period, though the next reconcile would catch a missed one anyway.
    """
    wanted = {SEND_JOB_PREFIX + key: at for key, at in upcoming.items()}
    for job in scheduler.get_jobs():
        if job.id.startswith(SEND_JOB_PREFIX) and job.id not in wanted:
            job.remove()
    for job_id, at in wanted.items():
        existing = scheduler.get_job(job_id)
        if existing is not None and existing.trigger.run_date == at:
            continue
        scheduler.add_job(
            run,
            DateTrigger(run_date=at.astimezone(UTC)),
            args=(SEND_JOBS,),
            id=job_id,
            replace_existing=True,
            misfire_grace_time=int(grace.total_seconds()),
            coalesce=True,
        )
        log.info("send job %s at %s", job_id, at.isoformat(timespec="minutes"))
