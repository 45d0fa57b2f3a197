"""Reports as files in a directory, for an archive, a shared drive or another program.

Each report becomes `<written at>-<report id>.md`, `.html` and `.json` (the message
without attachment data, plus the names of the attachment files), and each attachment
`<written at>-<report id>-<filename>`; the HTML's `cid:` references point at those
files. Every file is written to a temporary name and renamed, so a reader never sees
half a file, and the `.json` is written last: it marks the report done. Sending the
same report again writes nothing (idempotent by report id), and a send cut short
reuses the names it had begun with.

Report ids are made safe for file names: characters other than letters, digits,
"." "_" "-" become "_", and a short hash of the id keeps two ids apart.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from indexer.post import SHANGHAI

from ..message import Message
from .base import Channel, ChannelConfig, ChannelError


@dataclass(frozen=True, kw_only=True)
class FileConfig(ChannelConfig):
    """directory: where the files go; created if missing."""
    directory: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not str(self.directory):
            raise ValueError("directory is empty")
        object.__setattr__(self, "directory", str(self.directory))


def safe_name(report_id: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", report_id).strip("._")[:80]
    return f"{clean}-{hashlib.sha256(report_id.encode('utf-8')).hexdigest()[:8]}"


def _safe_file(filename: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(filename)).strip(".") or "attachment"


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class FileChannel(Channel):
    config_type = FileConfig
    config: FileConfig
    takes_attachments = True

    def __init__(self, name: str, config: FileConfig,
                 clock: Callable[[], datetime] = lambda: datetime.now(SHANGHAI)):
        super().__init__(name, config)
        self.clock = clock

    def written(self, report_id: str) -> Path | None:
        """The .json of a report already written here, if any."""
        found = sorted(Path(self.config.directory).glob(f"*-{safe_name(report_id)}.json"))
        return found[0] if found else None

    def send(self, message: Message) -> None:
        folder = Path(self.config.directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if self.written(message.report_id):
                return
            self._write(folder, message)
        except (PermissionError, NotADirectoryError, FileExistsError) as e:
            raise ChannelError(f"file {self.name}: cannot write in {folder}: {e}", transient=False) from None
        except OSError as e:  # a full disk, a share that went away
            raise ChannelError(f"file {self.name}: cannot write in {folder}: {e}", transient=True) from None

    def _write(self, folder: Path, message: Message) -> None:
        ident = safe_name(message.report_id)
        begun = sorted(folder.glob(f"*-{ident}.md"))
        stem = begun[0].name[:-3] if begun else f"{self.clock().astimezone(SHANGHAI):%Y%m%dT%H%M%S}-{ident}"
        html = message.html
        names = []
        for filename, _, data in message.attachments:
            name = f"{stem}-{_safe_file(filename)}"
            write_atomic(folder / name, data)
            names.append(name)
            html = html.replace(f'src="cid:{filename}"', f'src="{name}"')
        write_atomic(folder / f"{stem}.md", message.markdown.encode("utf-8"))
        write_atomic(folder / f"{stem}.html", html.encode("utf-8"))
        record = message.to_dict(attachments=False)
        record["attachments"] = names
        write_atomic(folder / f"{stem}.json", json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
