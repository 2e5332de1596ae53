"""Evidence files: no links, the type from the content, names that display as they are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.unit.aftersales.test_services import Shop, complaint_form, shop  # noqa: F401  (the shop fixture)
from workbench.domain.aftersales import EvidenceKind
from workbench.domain.errors import DomainError
from workbench.services.evidence import EvidenceStore, sniff

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links and FIFOs as on POSIX")


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


def _refused(store: EvidenceStore, path: Path) -> str:
    with pytest.raises(DomainError) as info:
        store.put(path)
    assert info.value.params["name"]
    return info.value.code


@posix_only
def test_a_link_is_refused_even_to_a_real_picture(store: EvidenceStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "photo.jpg").symlink_to(secret)
    assert _refused(store, tmp_path / "photo.jpg") == "evidence.link"
    picture = tmp_path / "real.jpg"
    picture.write_bytes(JPEG)
    (tmp_path / "shortcut.jpg").symlink_to(picture)
    assert _refused(store, tmp_path / "shortcut.jpg") == "evidence.link"
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    assert _refused(store, tmp_path / "dangling.jpg") == "evidence.link"
    if Path("/etc/passwd").exists():
        (tmp_path / "passwd.jpg").symlink_to("/etc/passwd")
        assert _refused(store, tmp_path / "passwd.jpg") == "evidence.link"
    assert not store.root.exists() or not any(p.is_file() and not p.name.startswith(".") for p in store.root.rglob("*"))


@posix_only
def test_a_linked_folder_on_the_way_is_allowed(store: EvidenceStore, tmp_path: Path) -> None:
    # Systems and users link folders (/tmp on macOS, a redirected Desktop): the file itself decides.
    real = tmp_path / "real"
    real.mkdir()
    (real / "photo.jpg").write_bytes(JPEG)
    (tmp_path / "desktop").symlink_to(real, target_is_directory=True)
    assert store.put(tmp_path / "desktop" / "photo.jpg").mime == "image/jpeg"


@posix_only
def test_a_fifo_or_a_folder_is_not_a_file(store: EvidenceStore, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jpg")
    assert _refused(store, tmp_path / "pipe.jpg") == "evidence.not_a_file"  # and it did not block
    (tmp_path / "folder.jpg").mkdir()
    assert _refused(store, tmp_path / "folder.jpg") == "evidence.not_a_file"


def test_the_type_comes_from_the_content(store: EvidenceStore, tmp_path: Path) -> None:
    text_as_jpg = tmp_path / "截图.jpg"
    text_as_jpg.write_text("这不是图片\n", encoding="utf-8")
    assert _refused(store, text_as_jpg) == "evidence.type_mismatch"
    elf = tmp_path / "invoice.pdf"
    elf.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(100))
    assert _refused(store, elf) == "evidence.type_unsupported"
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)))
    assert _refused(store, binary) == "evidence.type_unsupported"
    (tmp_path / "empty.txt").write_bytes(b"")
    assert _refused(store, tmp_path / "empty.txt") == "evidence.type_unsupported"

    png_as_jpg = tmp_path / "拍照.jpg"  # a picture under another picture extension is still a picture
    png_as_jpg.write_bytes(PNG)
    stored = store.put(png_as_jpg)
    assert (stored.mime, stored.path.suffix, stored.file_name) == ("image/png", ".png", "拍照.jpg")
    note = tmp_path / "情况说明"  # no extension: the content decides
    note.write_text("买家于 5 月 20 日签收。\n", encoding="gbk")
    assert store.put(note).mime == "text/plain"
    pdf = tmp_path / "回执.PDF"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(50))
    assert store.put(pdf).mime == "application/pdf"


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"GIF89a" + bytes(20), "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "image/bmp"),
        ("亲，这是聊天记录".encode(), "text/plain"),
        ("\ufeff记录".encode("utf-16"), "text/plain"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"PK\x03\x04", None),
        (b"MZ\x90\x00", None),
    ],
)
def test_signatures(head: bytes, mime: str | None) -> None:
    found = sniff(head, complete=True)
    assert (found.mime if found else None) == mime


def test_bidi_and_control_characters_leave_the_name(store: EvidenceStore, tmp_path: Path) -> None:
    tricky = tmp_path / "invoice\u202egpj.txt"  # would display as "invoicetxt.jpg"
    tricky.write_text("说明\n", encoding="utf-8")
    stored = store.put(tricky)
    assert stored.file_name == "invoicegpj.txt" and stored.mime == "text/plain"
    hidden = tmp_path / "\u2066照片\u2069\x1b.jpg"
    hidden.write_bytes(JPEG)
    assert store.put(hidden).file_name == "照片.jpg"


@pytest.mark.skipif(sys.platform != "linux", reason="a file name that is not UTF-8 (Linux file systems allow it)")
def test_a_name_that_is_not_text_is_stored_readably(shop: Shop, tmp_path: Path) -> None:  # noqa: F811
    raw = os.path.join(os.fsencode(tmp_path), b"\xff\xfe.jpg")
    Path(os.fsdecode(raw)).write_bytes(JPEG)
    case = shop.service.file_complaint(complaint_form(shop), "小赵")
    evidence = shop.service.attach_file(case.id, Path(os.fsdecode(raw)), "小赵")
    assert evidence.file_name == "\ufffd\ufffd.jpg" and evidence.kind is EvidenceKind.IMAGE


@posix_only
def test_a_refused_file_leaves_the_case_as_it_was(shop: Shop, tmp_path: Path) -> None:  # noqa: F811
    svc = shop.service
    case = svc.file_complaint(complaint_form(shop), "小赵")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(JPEG)
    (tmp_path / "link.jpg").symlink_to(photo)
    before = svc.case_file(case.id)
    with pytest.raises(DomainError) as refused:
        svc.attach_files(case.id, [photo, tmp_path / "link.jpg"], "小赵")
    assert refused.value.code == "evidence.link"
    after = svc.case_file(case.id)
    assert after.evidence == before.evidence and after.events == before.events
