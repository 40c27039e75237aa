"""The SMTP transport: the kommun's own mail server, over TLS, with DKIM.

``protocol`` knows SMTP without a connection (settings, what replies mean, bytes);
``lane`` drives one connection; ``transport`` shares a batch across lanes.
"""

from tryggnews.transports.smtp.protocol import SmtpConfig
from tryggnews.transports.smtp.transport import SmtpTransport

__all__ = ["SmtpConfig", "SmtpTransport"]
