"""Emails to editors, escalation contacts and administrators: reminders, escalations, alerts.

The texts are Swedish (editors read them); the link goes to the issue in the editors'
workspace. Each notice has a key that says what it is about and when; ``notifier``
sends each key once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.planning.plan import YearStatus
from tryggnews.planning.schedule import PlannedIssue
from tryggnews.render.dates import format_long
from tryggnews.scheduler.notifier import Notice

_SIGNATURE = "Hälsningar\n{name}\n\n(Ett automatiskt meddelande från tryggnews.)\n"


def organisation_names(keys: Iterable[str]) -> str:
    """``Polisen och Österåkers kommun``: organisations as a Swedish list."""
    names = [BLOCK_OWNERS.get(key, key) for key in keys]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


def local_moment(moment: datetime, tz: tzinfo) -> str:
    """``måndag 15 februari 2027 kl. 08:00`` in time zone ``tz``."""
    local = moment.astimezone(tz)
    return f"{format_long(local.date())} kl. {local:%H:%M}"


# --- the notices --------------------------------------------------------------------


def _issue_lines(planned: PlannedIssue) -> str:
    lines = [
        f"Nummer {planned.key}: {planned.title}",
        f"Utskick: {local_moment(planned.send_at, planned.send_at.tzinfo or UTC)}",
        f"Sista dag för bidrag och godkännande: {format_long(planned.deadline)}",
    ]
    if planned.theme:
        lines.append(f"Tema: {planned.theme}")
    return "\n".join(lines)


def _notice(key: str, recipients: Sequence[str], subject: str, body: str, name: str) -> Notice:
    """A notice with the shared signature under ``body``."""
    return Notice(key=key, recipients=tuple(recipients), subject=subject, body=_signed(body, name))


def _signed(body: str, name: str) -> str:
    return body.rstrip("\n") + "\n\n" + _SIGNATURE.format(name=name)


def _not_created(key: str) -> str:
    return (
        "Utskicket finns inte i tryggnews ännu. En administratör skapar det med\n"
        f"    tryggnews issue create --from-plan {key}\n"
    )


def reminder_notice(
    planned: PlannedIssue,
    organisation: str,
    recipients: Sequence[str],
    *,
    reminder_day: str,
    link: str,
    name: str,
    exists: bool,
) -> Notice:
    """A reminder to one organisation's editors before the section deadline."""
    who = BLOCK_OWNERS.get(organisation, organisation)
    subject = (
        f"Påminnelse: {name} {planned.key} – bidrag och godkännande senast "
        f"{format_long(planned.deadline)}"
    )
    body = (
        "Hej!\n\n"
        f"Nästa nummer av {name} närmar sig och {who} har inte godkänt sin del ännu.\n\n"
        f"{_issue_lines(planned)}\n\n"
        "Skriv, granska och godkänn era avsnitt här:\n"
        f"{link}\n\n"
        + ("" if exists else _not_created(planned.key) + "\n")
        + "Utskicket går ut bara om både Polisen och Österåkers kommun har godkänt det.\n"
    )
    return _notice(
        f"reminder:{planned.key}:{organisation}:{reminder_day}", recipients, subject, body, name
    )


def escalation_notice(
    planned: PlannedIssue,
    waiting: Sequence[str],
    recipients: Sequence[str],
    *,
    link: str,
    name: str,
    exists: bool,
    minimum: int,
) -> Notice:
    """The section deadline passed and the issue is not approved (or does not exist)."""
    subject = f"Sista dag har passerat: {name} {planned.key} är inte godkänt"
    state = (
        f"Utskicket är ännu inte godkänt av {organisation_names(waiting)}."
        if exists
        else "Utskicket har inte ens skapats i tryggnews."
    )
    body = (
        "Hej!\n\n"
        f"Sista dagen för bidrag och godkännande till {name} {planned.key} var "
        f"{format_long(planned.deadline)}. {state}\n\n"
        f"{_issue_lines(planned)}\n\n"
        "Är utskicket inte godkänt av både Polisen och Österåkers kommun vid utskickstiden "
        f"skickas det inte. Medborgarlöftet lovar minst {minimum} nyhetsbrev om året – "
        "hjälp redaktörerna att bli klara.\n\n"
        f"Utskicket: {link}\n\n" + ("" if exists else _not_created(planned.key))
    )
    return _notice(f"escalation:{planned.key}", recipients, subject, body, name)


def held_notice(
    key: str,
    title: str,
    planned_send_at: datetime,
    tz: tzinfo,
    reason: str,
    recipients: Sequence[str],
    *,
    link: str,
    name: str,
) -> Notice:
    """The scheduler did not send an issue at its time; ``reason`` is the hold reason."""
    subject = f"{name} {key} skickades inte"
    body = (
        "Hej!\n\n"
        f"{name} {key} – {title} – skulle ha skickats {local_moment(planned_send_at, tz)} "
        "men skickades inte.\n\n"
        f"Orsak: {reason}\n\n"
        "Utskicket är stoppat och skickas inte automatiskt. När det är godkänt av både "
        "Polisen och Österåkers kommun kan en administratör skicka det med\n"
        f"    tryggnews issue send {key}\n\n"
        f"Utskicket: {link}\n"
    )
    # The send time is part of the key: an issue released and held again is news.
    when = planned_send_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return _notice(f"held:{key}:{when}", recipients, subject, body, name)


def quota_notice(
    status: YearStatus,
    possible: int,
    lines: Sequence[str],
    recipients: Sequence[str],
    *,
    day: str,
    name: str,
) -> Notice:
    """The year can no longer reach the promised number of issues."""
    subject = f"{name} {status.year}: planen når inte minst {status.minimum} utskick"
    body = (
        "Hej!\n\n"
        f"Medborgarlöftet lovar minst {status.minimum} nyhetsbrev om året. För "
        f"{status.year} har {status.sent} skickats och {possible} till kan fortfarande gå ut "
        f"– totalt {status.sent + possible}, alltså för få.\n\n"
        + ("\n".join(lines) + "\n\n" if lines else "")
        + "Lägg till utskick i schedule.toml och kontrollera planen med\n"
        f"    tryggnews plan check --year {status.year}\n\n"
        "Det här meddelandet skickas en gång om dagen tills planen räcker.\n"
    )
    return _notice(f"quota:{status.year}:{day}", recipients, subject, body, name)


def next_year_notice(
    year: int,
    planned: Sequence[str],
    minimum: int,
    recipients: Sequence[str],
    *,
    week: str,
    name: str,
) -> Notice:
    """Next year's plan does not yet hold the promised number of issues."""
    count = len(planned)
    subject = f"{name} {year}: planen har {count} av minst {minimum} utskick"
    body = (
        "Hej!\n\n"
        f"Medborgarlöftet lovar minst {minimum} nyhetsbrev om året, men schedule.toml har "
        f"{count} utskick planerade för {year}"
        + (f": {', '.join(planned)}" if planned else "")
        + ".\n\n"
        "Planera nästa år nu, så att redaktörerna hinner skriva till årets första nummer. "
        f"Lägg till [[issue]] för {year} i schedule.toml och kontrollera planen med\n"
        f"    tryggnews plan check --year {year}\n\n"
        "Det här meddelandet skickas en gång i veckan tills planen räcker.\n"
    )
    return _notice(f"quota-plan:{year}:{week}", recipients, subject, body, name)


def autofill_notice(
    key: str,
    version: int,
    added_titles: Sequence[str],
    recipients: Sequence[str],
    *,
    link: str,
    name: str,
) -> Notice:
    """Evergreen blocks were added to a thin issue after its deadline."""
    listed = "\n".join(f"- {title}" for title in added_titles)
    body = (
        "Hej!\n\n"
        f"Sista dagen för {name} {key} har passerat och utskicket hade för lite godkänt "
        "innehåll. Därför har tidlösa block, som båda organisationerna har godkänt för "
        "återanvändning, lagts till:\n\n"
        f"{listed}\n\n"
        f"Granska utskicket: {link}\n"
    )
    return _notice(
        f"autofill:{key}:{version}",
        recipients,
        f"{name} {key} har fyllts på med tidlösa block",
        body,
        name,
    )


def grace_text(grace: timedelta) -> str:
    """``24 timmar``: a grace period in Swedish."""
    hours = int(grace.total_seconds() // 3600)
    return f"{hours} timme" if hours == 1 else f"{hours} timmar"
