"""Swedish words for the subscriber workspace: statuses, consent events, channels, bases.

The keys are the stored values (``SubscriberStatus``, ``ConsentEventKind``,
``consent.CHANNELS``, ``consent.LEGAL_BASES``, ``DeliveryStatus``, suppression
reasons); a value without a label is shown as it is stored.
"""

from __future__ import annotations

STATUS = {
    "pending": "Väntar på bekräftelse",
    "active": "Aktiv",
    "paused": "Pausad",
    "unsubscribed": "Avregistrerad",
    "bounced": "Adressen studsar",
}
EVENT = {
    "subscribed": "Anmälde sig",
    "confirmed": "Bekräftade",
    "preferences_changed": "Ändrade sina val",
    "paused": "Pausade",
    "resumed": "Återupptog",
    "unsubscribed": "Avregistrerades",
    "imported": "Importerades",
    "erased": "Raderades",
    "bounced": "Studsade",
    "complained": "Markerade som skräppost",
}
CHANNEL = {
    "form": "anmälningsformuläret",
    "import": "import",
    "link": "länk i e-post",
    "one-click": "avregistrering med ett klick",
    "admin": "administratör",
    "provider-webhook": "e-posttjänsten",
    "bounce-mail": "studsmeddelande",
    "cli": "kommandoraden",
}
LEGAL_BASIS = {
    "consent": "Samtycke",
    "public-task": "Uppgift av allmänt intresse",
}
DELIVERY = {
    "pending": "Väntar",
    "claimed": "Skickas",
    "sent": "Skickat",
    "retry": "Försöker igen",
    "failed": "Misslyckades",
    "bounced": "Studsade",
    "skipped": "Skickades inte",
}
SUPPRESSION = {
    "erased": "Raderad på begäran",
    "hard-bounce": "Adressen finns inte (hård studs)",
    "complaint": "Markerade som skräppost",
    "blocked": "Blockerad av mottagarens server",
    "soft-bounces": "Upprepade tillfälliga studsar",
}
IMPORT_TOTALS = {
    "new": "Nya",
    "updated": "Ändras",
    "unchanged": "Oförändrade",
    "invalid": "Felaktiga rader",
    "suppressed": "Spärrade (hoppas över)",
    "unsubscribed": "Har avregistrerat sig (hoppas över)",
}
COLUMN = {
    "email": "E-postadress (email)",
    "name": "Namn (name)",
    "language": "Språk (language)",
    "audiences": "Målgrupper (audiences)",
    "topics": "Ämnen (topics)",
    "": "Hela raden",
}
BOUNCE_MAIL = {
    "hard": "Hård studs",
    "soft": "Tillfällig studs",
    "auto-reply": "Autosvar",
    "ignored": "Fördröjningsbesked",
    "unattributed": "Kunde inte kopplas till ett utskick",
}

ALL = {
    "status_labels": STATUS,
    "event_labels": EVENT,
    "channel_labels": CHANNEL,
    "basis_labels": LEGAL_BASIS,
    "delivery_labels": DELIVERY,
    "suppression_labels": SUPPRESSION,
    "import_total_labels": IMPORT_TOTALS,
    "column_labels": COLUMN,
    "bounce_mail_labels": BOUNCE_MAIL,
}
