"""Email addresses as tryggnews stores them: validated, normalised, and a key for dedupe."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from tryggnews.errors import ValidationError


def normalise_email(raw: str) -> tuple[str, str]:
    """Validate ``raw`` and return ``(email, email_key)``.

    ``email`` is email-validator's normalised form (domain lower-cased, an
    internationalised domain in Unicode) and is what people see. ``email_key`` is
    the ASCII form case-folded: the value of the unique ``subscribers.email_key``
    column, so ``Anna@Example.org`` and ``anna@example.org`` are one subscriber.
    Surrounding whitespace is ignored (spreadsheets add it); anything else that is
    not a deliverable-looking address raises ``ValidationError`` with the reason.
    No DNS look-up is made.
    """
    candidate = raw.strip()
    if not candidate:
        raise ValidationError("the email address is empty")
    try:
        # SMTPUTF8 off: a local part with å/ä/ö cannot be delivered by most
        # receiving servers, so such an address is refused up front.
        info = validate_email(candidate, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError(str(exc)) from None
    # The ASCII form keys internationalised domains (räksmörgås.se and its
    # xn-- spelling) to one value; casefold() of ASCII is a plain lower-casing,
    # which is how every real mail provider treats the local part.
    return info.normalized, (info.ascii_email or info.normalized).casefold()


# A local part followed by "@" and something domain-like: enough to find addresses in a
# line of text (a transport's answer, a list of recipients), not to validate them.
_LOCAL_PART = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@(?=[A-Za-z0-9\-]+\.)")


def mask_addresses(text: str) -> str:
    """``text`` with the local part of every address replaced by ``…``, for logs.

    Logs at INFO and above go to collectors and tickets that are not the subscriber
    list: they keep the domain (which provider refused) but never the person.
    """
    return _LOCAL_PART.sub("…@", text)
