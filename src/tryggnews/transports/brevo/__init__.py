"""The Brevo transport: Brevo's HTTP API, in batches of message versions.

``payload`` turns finished MIME messages into Brevo's JSON; ``replies`` reads its
answers; ``transport`` sends with retries, idempotency keys and threads.
"""

from tryggnews.transports.brevo.transport import BrevoTransport

__all__ = ["BrevoTransport"]
