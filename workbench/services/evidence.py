"""Evidence files in managed storage, and the evidence packet of a case (for a platform appeal).

Files are copied into the evidence directory under their content hash
(``<root>/ab/ab12…ef.jpg``): the same picture attached twice, to one case or to several, is stored
once. A copy is written to a temporary file and renamed into place, so a crash never leaves half a
file under a hash name.

What is let in:

* Only a regular file, never a symbolic link: a link named ``photo.jpg`` pointing at a system file
  would copy that file into the evidence (and into a packet sent to the platform). The file is
  opened without following a link (O_NOFOLLOW where the system has it) and read once, through that
  one handle, for its type, its hash and the copy, so it cannot be swapped in between. Links among
  the *folders* of the path are allowed: systems and users link folders routinely (``/tmp`` on
  macOS, a Desktop redirected to OneDrive, a home on a network share), and the agent browsed there
  in the file dialog; the content check below still keeps anything but evidence out.
* Only the types evidence comes as, recognised by their content (magic bytes), not their name:
  pictures (JPEG, PNG, GIF, BMP, WebP), PDF and plain text. A name whose extension says one kind
  while the content is another (a text file called ``.jpg``) is refused.
* The name is kept as the agent saw it, minus what would make it display as something else:
  bidirectional controls (``invoice\u202egpj.exe`` shows as ``invoiceexe.jpg``), control characters,
  and bytes that are not text (shown as U+FFFD).
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from workbench.domain.aftersales import Case, CaseEvent, Evidence, RiskAssessment
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order
from workbench.domain.text import clean_text

CHUNK = 1 << 16
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
SNIFF_BYTES = 8192  # the start of a file, read to recognise its type


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    file_name: str  # the name it had when attached (cleaned for display)
    mime: str
    path: Path


@dataclass(frozen=True, slots=True)
class FileType:
    mime: str
    suffix: str  # the stored file's suffix
    family: str  # "image", "pdf" or "text": what an extension may claim


# Magic bytes at the start of each accepted binary type (WebP: "RIFF", 4 bytes of size, then "WEBP").
_SIGNATURES: tuple[tuple[bytes, int, FileType], ...] = (
    (b"\xff\xd8\xff", 0, FileType("image/jpeg", ".jpg", "image")),
    (b"\x89PNG\r\n\x1a\n", 0, FileType("image/png", ".png", "image")),
    (b"GIF87a", 0, FileType("image/gif", ".gif", "image")),
    (b"GIF89a", 0, FileType("image/gif", ".gif", "image")),
    (b"WEBP", 8, FileType("image/webp", ".webp", "image")),
    (b"%PDF-", 0, FileType("application/pdf", ".pdf", "pdf")),
)
_TEXT = FileType("text/plain", ".txt", "text")
_BMP = FileType("image/bmp", ".bmp", "image")

# What a file's extension claims; unknown extensions claim nothing (the content decides).
EXTENSION_FAMILIES = {
    **dict.fromkeys((".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".webp"), "image"),
    ".pdf": "pdf",
    **dict.fromkeys((".txt", ".text", ".log", ".csv"), "text"),
}

_TEXT_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f") | {"\x7f"}


def sniff(head: bytes, *, complete: bool) -> FileType | None:
    """The type of a file that starts with `head` (`complete`: that is the whole file), or None."""
    for magic, offset, file_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic and (offset == 0 or head.startswith(b"RIFF")):
            return file_type
    # BMP: "BM", then the file size, then four reserved zero bytes.
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\0\0\0\0":
        return _BMP
    return _TEXT if _is_text(head, complete=complete) else None


def _is_text(head: bytes, *, complete: bool) -> bool:
    """Text in UTF-8 (BOM or not), UTF-16 with a BOM or GB18030, without control characters."""
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            # Incremental: the head may end inside a character.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return not _TEXT_CONTROLS.intersection(text)
    return False


def display_name(name: str) -> str:
    """A file name as it may be stored and shown (see the module's rules); "file" if nothing is left."""
    # A name from the file system may hold bytes that are not UTF-8 (as lone surrogates): show them as U+FFFD.
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return clean_text(name, multiline=False, field="file") or "file"


def _open_regular_file(source: Path, name: str) -> int:
    """A read handle on `source` if it is a regular file and not a symbolic link."""
    try:
        info = os.lstat(source)
    except (FileNotFoundError, NotADirectoryError):
        raise DomainError("evidence.not_a_file", field="file", name=name) from None
    if stat.S_ISLNK(info.st_mode):
        raise DomainError("evidence.link", field="file", name=name)
    if not stat.S_ISREG(info.st_mode):
        raise DomainError("evidence.not_a_file", field="file", name=name)
    # No blocking on a FIFO swapped in meanwhile; no following a link swapped in meanwhile (ELOOP).
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(source, flags)
    except OSError as exc:
        if getattr(os, "O_NOFOLLOW", 0) and exc.errno == errno.ELOOP:
            raise DomainError("evidence.link", field="file", name=name) from exc
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DomainError("evidence.not_a_file", field="file", name=name)
    return fd


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
        """Copy `source` in (once per content) and describe it; DomainError if it may not be evidence."""
        name = display_name(source.name)
        try:
            fd = _open_regular_file(source, name)
            with os.fdopen(fd, "rb") as src:
                if os.fstat(src.fileno()).st_size > MAX_EVIDENCE_BYTES:
                    raise _too_large(name)
                head = src.read(SNIFF_BYTES)
                file_type = _checked_type(name, Path(name).suffix, head, complete=len(head) < SNIFF_BYTES)
                sha, size, stored = self._copy_in(src, head, file_type, name)
        except OSError as exc:
            raise DomainError("evidence.unreadable", field="file", name=name, reason=exc.strerror or str(exc)) from exc
        return StoredFile(sha, size, name, file_type.mime, stored)

    def _copy_in(self, src: BinaryIO, head: bytes, file_type: FileType, name: str) -> tuple[str, int, Path]:
        """Copy the open file (whose first bytes, `head`, were read) into a temporary file while hashing
        it, then put it under its hash (or drop it when that content is stored already)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                chunk = head
                while chunk:
                    size += len(chunk)
                    if size > MAX_EVIDENCE_BYTES:  # it grew while being read
                        raise DomainError(
                            "evidence.too_large", field="file", name=name, limit_mb=MAX_EVIDENCE_BYTES >> 20
                        )
                    digest.update(chunk)
                    out.write(chunk)
                    chunk = src.read(CHUNK)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            stored = self.path_of(sha)
            if stored is None:
                folder = self._dir(sha)
                folder.mkdir(parents=True, exist_ok=True)
                stored = folder / f"{sha}{file_type.suffix}"
                os.replace(temp, stored)
        finally:
            Path(temp).unlink(missing_ok=True)
        return sha, size, stored

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


def _too_large(name: str) -> DomainError:
    return DomainError("evidence.too_large", field="file", name=name, limit_mb=MAX_EVIDENCE_BYTES >> 20)


def _checked_type(name: str, suffix: str, head: bytes, *, complete: bool) -> FileType:
    """The file's type by its content; refused when unknown or when its extension claims another kind."""
    found = sniff(head, complete=complete)
    if found is None:
        raise DomainError("evidence.type_unsupported", field="file", name=name)
    claimed = EXTENSION_FAMILIES.get(suffix.lower())
    if claimed is not None and claimed != found.family:
        raise DomainError("evidence.type_mismatch", field="file", name=name, claimed=claimed, actual=found.family)
    return found


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
