"""The public forms (Flask-WTF: every form carries a CSRF token), with Swedish messages.

Validation is strict and says what to do. A value that is too long, holds markup
or is not one of the offered choices is a field error; the view then stores
nothing. Choice lists come from the vocabulary (audiences.toml), given to each form
when it is made, so a tampered form cannot store an unknown key. The templates
render the fields themselves (see ``public/_fields.html``) to control labels, hints
and the ARIA wiring of errors.

What a posted form means for the subscriber records (its choices, the consent
text it showed) is read here too, so every page that takes a form reads it the
same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import StopValidation, ValidationError

from tryggnews.content.vocabulary import DEFAULT_LANGUAGE, Vocabulary
from tryggnews.errors import ValidationError as AddressError
from tryggnews.i18n import N_
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.lifecycle import Choices
from tryggnews.subscribers.texts import ConsentText, text_by_version
from tryggnews.web.context import web_context
from tryggnews.web.i18n import current_language, lazy_gettext
from tryggnews.web.i18n import gettext as _

# RFC 5321 caps a forward path at 256 octets including "<>": 254 for the address.
MAX_EMAIL_CHARS = 254
# How far ahead a pause may reach.
MAX_PAUSE = timedelta(days=366)
# Translated where it is raised (the message id is extracted through N_).
BAD_CHOICE = N_("Ett av valen finns inte i listan. Ladda om sidan och välj igen.")


def _email(form: FlaskForm, field: Field) -> None:
    value = (field.data or "").strip()
    if not value:
        raise StopValidation(_("Skriv din e-postadress."))
    if len(value) > MAX_EMAIL_CHARS:
        raise StopValidation(
            _(
                "E-postadressen är för lång. Den får vara högst %(count)s tecken.",
                count=MAX_EMAIL_CHARS,
            )
        )
    try:
        normalise_email(value)
    except AddressError:
        raise StopValidation(
            _(
                "Skriv en giltig e-postadress, till exempel namn@exempel.se. "
                "Delen före @ får inte innehålla å, ä eller ö."
            )
        ) from None


class _Keys(Field):  # type: ignore[misc]  # wtforms has no type hints
    """Several keys from a mapping (checkboxes); anything else is a field error.

    A plain ``Field`` rather than ``SelectMultipleField``: the template renders the
    options itself, and the choice API of wtforms changes between releases.
    """

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.options: Mapping[str, str] = {}

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = list(valuelist)

    def pre_validate(self, form: FlaskForm) -> None:
        if any(value not in self.options for value in self.data or ()):
            raise StopValidation(_(BAD_CHOICE))


class _Key(Field):  # type: ignore[misc]  # wtforms has no type hints
    """One key from a mapping (radio buttons)."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.options: Mapping[str, str] = {}

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else None

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data not in self.options:
            raise StopValidation(_("Välj ett av alternativen."))


def _at_least_one_audience(form: FlaskForm, field: Field) -> None:
    if not field.data:
        raise StopValidation(_("Välj minst en grupp som passar dig. Passar ingen, välj Övriga."))


class ChoicesFields(FlaskForm):  # type: ignore[misc]  # wtforms has no type hints
    """Audiences, topics and language: the choices of the sign-up and preference forms."""

    audiences = _Keys(lazy_gettext("Vem är du?"), validators=[_at_least_one_audience])
    topics = _Keys(lazy_gettext("Ämnen"))
    language = _Key(lazy_gettext("Språk"), default=DEFAULT_LANGUAGE)

    def __init__(self, *args: Any, vocabulary: Vocabulary, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vocabulary = vocabulary
        # The page's language, Swedish where audiences.toml gives no label in it.
        self.audiences.options = vocabulary.audiences_in(current_language())
        self.topics.options = vocabulary.topics_in(current_language())
        self.language.options = vocabulary.languages
        # Said beside a staff audience, so nobody learns the rule only from a refusal.
        self.audiences.notes = {key: self._who_may(key) for key in vocabulary.restricted}
        self.topics.notes = {}

    def _who_may(self, key: str) -> str:
        rule = self.vocabulary.restricted[key]
        if current_language() == DEFAULT_LANGUAGE:
            return rule.note()
        # Other languages leave out the rule's Swedish "who" words: the domains say enough.
        return _("Bara för anställda med adresser på %(domains)s.", domains=_isolated(rule.domains))

    def address(self) -> str:
        """The address the choices are for (staff audiences accept some domains only)."""
        return ""

    def validate_audiences(self, field: Field) -> None:
        address = self.address()
        key = self.vocabulary.refused_audience(field.data or (), address) if address else None
        if key is None:
            return
        if current_language() == DEFAULT_LANGUAGE:
            raise ValidationError(self.vocabulary.refusal([key], address))
        # Other languages leave out the rule's Swedish "who" words: the domains say enough.
        raise ValidationError(
            _(
                "Målgruppen ”%(label)s” är bara för anställda med adresser på %(domains)s. "
                "Välj en annan grupp, eller använd din e-postadress på jobbet.",
                label=self.audiences.options.get(key, key),
                domains=_isolated(self.vocabulary.restricted[key].domains),
            )
        )


def _isolated(domains: Sequence[str]) -> str:
    """The domains, listed, keeping their left-to-right order inside right-to-left text
    (LRI … PDI, as the newsletter's text part isolates phone numbers and links)."""
    return f"\u2066{', '.join(domains)}\u2069"


class SignUpForm(ChoicesFields):
    email = StringField(lazy_gettext("E-postadress"), validators=[_email])

    def address(self) -> str:
        return str(self.email.data or "").strip()


class PreferencesForm(ChoicesFields):
    class Meta:
        csrf = False  # posted behind the person's signed link (signed_forms.py)

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_email = email

    def address(self) -> str:
        return self.owner_email


class LinkRequestForm(FlaskForm):  # type: ignore[misc]  # wtforms has no type hints
    email = StringField(lazy_gettext("E-postadress"), validators=[_email])


class PauseForm(FlaskForm):  # type: ignore[misc]  # wtforms has no type hints
    """Pause until a date, inclusive; ``today`` is set by the view from the app's clock."""

    class Meta:
        csrf = False  # posted behind the person's signed link (signed_forms.py)

    until = StringField(lazy_gettext("Pausa till och med"))

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.until_date: date | None = None

    def validate_until(self, field: Field) -> None:
        raw = (field.data or "").strip()
        if not raw:
            raise ValidationError(_("Välj ett datum."))
        try:
            chosen = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            chosen = None
        if chosen is None:
            raise ValidationError(_("Skriv datumet som år-månad-dag, till exempel 2027-08-15."))
        if chosen < self.today:
            raise ValidationError(_("Välj ett datum från och med i dag."))
        if chosen > self.today + MAX_PAUSE:
            raise ValidationError(_("Du kan pausa i högst ett år. Välj ett tidigare datum."))
        self.until_date = chosen


def read_choices(form: ChoicesFields) -> Choices:
    """The validated form's choices (the form already refused unknown keys)."""
    return Choices.checked(
        web_context().vocabulary,
        form.audiences.data,
        form.topics.data,
        form.language.data or "",
        email=form.address(),
    )


def text_shown(current: ConsentText) -> ConsentText:
    """The consent text the page showed (its version is posted back with the form).

    Normally the current one; a page loaded just before a new wording was deployed
    showed the previous one, and the ledger must record what the person saw.
    """
    shown = text_by_version(request.form.get("consent_text", ""))
    if shown is not None and shown.legal_basis == current.legal_basis:
        return shown
    return current
