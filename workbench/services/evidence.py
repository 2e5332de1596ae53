"""Evidence files in managed storage, and the evidence packet of a case (for a platform appeal).

Files are copied into the evidence directory under their content hash
(``<root>/ab/ab12…ef.jpg``): the same picture attached twice, to one case or to several, is stored
once. A copy is written to a temporary file and renamed into place, so a crash never leaves half a
file under a hash name.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workbench.domain.aftersales import Case, CaseEvent, Evidence, RiskAssessment
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order

CHUNK = 1 << 16
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    file_name: str  # the name it had when attached
    mime: str
    path: Path


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def guess_mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class EvidenceStore:
    """Content-addressed files under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, sha256: str) -> Path:
        return self.root / sha256[:2]

    def path_of(self, sha256: str) -> Path | None:
        """Where the file with this hash is stored, if it is."""
        folder = self._dir(sha256)
        if not folder.is_dir():
            return None
        return next((p for p in sorted(folder.iterdir()) if p.name.split(".")[0] == sha256), None)

    def put(self, source: Path) -> StoredFile:
        """Copy `source` in (once per content) and describe it."""
        try:
            if not source.is_file():
                raise DomainError("evidence.not_a_file", field="file", name=source.name)
            if source.stat().st_size > MAX_EVIDENCE_BYTES:
                raise DomainError(
                    "evidence.too_large", field="file", name=source.name, limit_mb=MAX_EVIDENCE_BYTES >> 20
                )
            sha, size = sha256_of(source)
            stored = self.path_of(sha)
            if stored is None:
                folder = self._dir(sha)
                folder.mkdir(parents=True, exist_ok=True)
                suffix = "".join(c for c in source.suffix.lower() if c.isalnum() or c == ".")[:10]
                target = folder / f"{sha}{suffix}"
                fd, temp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
                try:
                    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                        while chunk := src.read(CHUNK):
                            out.write(chunk)
                        out.flush()
                        os.fsync(out.fileno())
                    os.replace(temp, target)
                except BaseException:
                    Path(temp).unlink(missing_ok=True)
                    raise
                stored = target
        except OSError as exc:
            raise DomainError(
                "evidence.unreadable", field="file", name=source.name, reason=exc.strerror or str(exc)
            ) from exc
        return StoredFile(sha, size, source.name, guess_mime(source.name), stored)

    def put_bytes(self, data: bytes, name: str) -> StoredFile:
        """Store generated content (a picture, a text) under its hash."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            return self.put(path)

    def remove_if_unused(self, sha256: str, users: int) -> None:
        """Delete a stored file nothing refers to any more."""
        if users == 0 and (path := self.path_of(sha256)) is not None:
            path.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class EvidencePacket:
    """Everything a platform appeal needs about one case, as plain data; the UI lays it out."""

    shop_name: str
    generated_at: datetime
    case: Case
    customer: Customer | None
    order: Order | None
    events: tuple[CaseEvent, ...]
    evidence: tuple[Evidence, ...]
    risk: RiskAssessment | None
    files: tuple[tuple[str, Path], ...]  # sha256 → stored path, for pictures in the packet
    generated_by: str = ""

    def file_path(self, sha256: str) -> Path | None:
        return next((p for s, p in self.files if s == sha256), None)
