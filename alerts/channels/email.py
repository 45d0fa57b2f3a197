"""E-mail over SMTP: multipart/alternative (plain text and HTML). An image attachment the
HTML refers to as "cid:<filename>" is sent inline (Content-ID <filename>); every other
attachment is attached. (Many mail clients do not show data: URI images, so HTML meant
for mail should refer to its chart by cid.)

Security: "starttls" (port 587 unless set) upgrades the connection before logging in;
"ssl" (port 465) is TLS from the first byte; "none" (port 25) is for a relay on the
local network and cannot be combined with a username, so a password never crosses the
network in clear. Certificates are verified against the system's trust store or
`ca_file`.

The Message-ID is derived from the report and the channel, so that if a message is
ever sent twice (the outbox's at-least-once window) mail systems can see it is one.
Urgent messages carry X-Priority 1 and Importance: high.

Failures: SMTP 4xx replies, dropped connections and timeouts are transient; failed
authentication, 5xx replies and certificate errors are permanent. When the server
accepts some recipients and refuses others the message counts as sent (resending
would duplicate it for the others) and the refused addresses are logged.
"""
from __future__ import annotations

import hashlib
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from ..message import Message
from .base import Channel, ChannelConfig, ChannelError, one_line

log = logging.getLogger(__name__)

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORT = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True, kw_only=True)
class EmailConfig(ChannelConfig):
    """host, port: the SMTP server (port 0: 587 / 465 / 25 by `security`).
    security: "starttls", "ssl" or "none".
    username, password: for SMTP AUTH; empty for none.
    sender: the From address, e.g. "舆情监测 <yuqing@example.org>".
    recipients: the To addresses.
    timeout: seconds for each network step.
    ca_file: a PEM file of certificates to trust instead of the system's (an internal CA).
    helo: the name to greet the server with; empty for this machine's name."""
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 0
    security: str = "starttls"
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    ca_file: str = ""
    helo: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        recipients = (self.recipients,) if isinstance(self.recipients, str) else tuple(self.recipients)
        object.__setattr__(self, "recipients", recipients)
        if self.security not in SECURITY:
            raise ValueError(f"security must be one of {', '.join(SECURITY)}, not {self.security!r}")
        if not self.host:
            raise ValueError("host is empty")
        if not 0 <= int(self.port) <= 65535:
            raise ValueError(f"port must be 0..65535, not {self.port!r}")
        if "@" not in parseaddr(self.sender)[1]:
            raise ValueError(f"sender is not an e-mail address: {self.sender!r}")
        if not recipients:
            raise ValueError("recipients is empty")
        bad = [r for r in recipients if "@" not in parseaddr(r)[1]]
        if bad:
            raise ValueError(f"recipients: not e-mail addresses: {', '.join(map(repr, bad))}")
        if self.username and self.security == "none":
            raise ValueError('username is set but security is "none": the password would cross the network '
                             'in clear; use "starttls" or "ssl"')
        if bool(self.username) != bool(self.password):
            raise ValueError("username and password go together: set both or neither")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout!r}")


def build(message: Message, config: EmailConfig, channel: str = "") -> EmailMessage:
    """The e-mail for `message`, as sent."""
    msg = EmailMessage()
    msg["Subject"] = one_line(message.subject, 250)
    msg["From"] = config.sender
    msg["To"] = ", ".join(config.recipients)
    msg["Date"] = formatdate(localtime=True)
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "jianyu.local"
    digest = hashlib.sha256(f"{message.report_id}>{channel}".encode("utf-8")).hexdigest()[:32]
    msg["Message-ID"] = f"<{digest}@{domain}>"
    if message.urgent:
        msg["X-Priority"] = "1 (Highest)"
        msg["Importance"] = "high"
    msg.set_content(message.text or message.subject)
    inline = [a for a in message.attachments
              if a[1].startswith("image/") and f"cid:{a[0]}" in message.html]
    others = [a for a in message.attachments if a not in inline]
    if message.html:
        msg.add_alternative(message.html, subtype="html")
        html_part = msg.get_payload()[1]
        for filename, mime, data in inline:
            maintype, _, subtype = mime.partition("/")
            html_part.add_related(data, maintype, subtype, cid=f"<{filename}>", filename=filename,
                                  disposition="inline")
    for filename, mime, data in others:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype or "application", subtype or "octet-stream", filename=filename)
    return msg


def _smtp_error(what: str, e: smtplib.SMTPException) -> ChannelError:
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return ChannelError(f"{what}: authentication failed ({e.smtp_code})", transient=False)
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in e.recipients.values()]
        return ChannelError(f"{what}: every recipient refused: {e.recipients}",
                            transient=all(400 <= c < 500 for c in codes))
    if isinstance(e, smtplib.SMTPResponseException):
        text = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        return ChannelError(f"{what}: SMTP {e.smtp_code} {text[:200]}", transient=400 <= e.smtp_code < 500)
    if isinstance(e, smtplib.SMTPNotSupportedError):
        return ChannelError(f"{what}: the server does not support it: {e}", transient=False)
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return ChannelError(f"{what}: the server closed the connection: {e}", transient=True)
    return ChannelError(f"{what}: {type(e).__name__}: {e}", transient=True)


class EmailChannel(Channel):
    config_type = EmailConfig
    config: EmailConfig
    takes_attachments = True

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        port = c.port or DEFAULT_PORT[c.security]
        helo = c.helo or None
        if c.security == "ssl":
            return smtplib.SMTP_SSL(c.host, port, local_hostname=helo, timeout=c.timeout, context=self._tls())
        smtp = smtplib.SMTP(c.host, port, local_hostname=helo, timeout=c.timeout)
        try:
            if c.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self._tls())
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        """AUTH PLAIN when offered (the link is encrypted by then), in one attempt: smtplib's
        login() tries CRAM-MD5, PLAIN and LOGIN in turn, so a wrong password would count
        as several failures against the account."""
        c = self.config
        smtp.ehlo_or_helo_if_needed()
        offered = smtp.esmtp_features.get("auth", "").upper().split()
        if "PLAIN" in offered:
            smtp.user, smtp.password = c.username, c.password
            smtp.auth("PLAIN", smtp.auth_plain)
        else:
            smtp.login(c.username, c.password)

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file or None)

    def send(self, message: Message) -> None:
        c = self.config
        what = f"email {self.name}"
        msg = build(message, c, self.name)
        try:
            smtp = self._connect()
            try:
                if c.username:
                    self._login(smtp)
                refused = smtp.send_message(msg, from_addr=parseaddr(c.sender)[1],
                                            to_addrs=[parseaddr(r)[1] for r in c.recipients])
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPException as e:
            raise _smtp_error(what, e) from None
        except ssl.SSLCertVerificationError as e:
            raise ChannelError(f"{what}: the server's certificate is not trusted: {e.verify_message}",
                               transient=False) from None
        except (socket.timeout, TimeoutError):
            raise ChannelError(f"{what}: timed out after {c.timeout:g}s", transient=True) from None
        except OSError as e:
            raise ChannelError(f"{what}: cannot connect: {type(e).__name__}: {e}", transient=True) from None
        if refused:
            log.warning("%s: report %s refused for %s", what, message.report_id, sorted(refused))
