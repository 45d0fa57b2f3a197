"""What a channel sends: one report, already rendered in every form a channel may need.

The engine builds a `Message` from a report and the outbox stores it (as `to_dict()`)
in each outbox item's payload, so a message is sent exactly as it was rendered, even
after a restart or an upgrade of the templates.

The texts are rendered (and escaped) by the report module. Channels pass them on as
they are: they never un-escape, and never build markup out of crawled text themselves.

Attachments are (filename, mime type, data). An image attachment is shown inline in
e-mail: it gets the Content-ID `<filename>`, so the HTML shows it with
`<img src="cid:trend.png">`; the file channel writes it beside the HTML and points
that `src` at the written file.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from .model import Level


@dataclass
class Message:
    report_id: str
    event_id: str
    kind: str                # "first" | "update" | "close" (首报 / 续报 / 结案)
    level: str               # a Level value: "general" | "serious" | "major"
    urgent: bool             # 急事急报: goes to the urgent channels too, and is delivered first
    subject: str             # one line: mail subject, chat title
    text: str                # plain text
    markdown: str            # Markdown, crawled text already escaped
    html: str                # HTML, crawled text already escaped
    url: str = ""            # link to the report in the web UI; may be empty
    chat: str = ""           # for chat markdown dialects that cannot escape (WeCom, DingTalk):
                             # markup characters in crawled text made inert; "" = use markdown
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        Level(self.level)  # ValueError on an unknown level, before anything is queued
        self.attachments = [(str(n), str(m), bytes(d)) for n, m, d in self.attachments]

    @property
    def rank(self) -> int:
        return Level(self.level).rank

    def to_dict(self, attachments: bool = True) -> dict[str, Any]:
        """JSON-ready; attachment data as base64. `attachments=False` leaves them out
        (for channels that do not send them, so the outbox does not store them twice)."""
        d: dict[str, Any] = {
            "report_id": self.report_id, "event_id": self.event_id, "kind": self.kind,
            "level": self.level, "urgent": self.urgent, "subject": self.subject,
            "text": self.text, "markdown": self.markdown, "html": self.html, "url": self.url,
            "chat": self.chat, "attachments": [],
        }
        if attachments:
            d["attachments"] = [{"filename": n, "mime": m, "data": base64.b64encode(data).decode("ascii")}
                                for n, m, data in self.attachments]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Message":
        return cls(
            report_id=d["report_id"], event_id=d.get("event_id", ""), kind=d.get("kind", ""),
            level=d["level"], urgent=bool(d.get("urgent", False)), subject=d.get("subject", ""),
            text=d.get("text", ""), markdown=d.get("markdown", ""), html=d.get("html", ""),
            url=d.get("url", ""), chat=d.get("chat", ""),
            attachments=[(a["filename"], a["mime"], base64.b64decode(a["data"]))
                         for a in d.get("attachments", [])],
        )
