"""A smaller ICU data library for the Linux bundle (used by workbench.spec).

PySide6's Linux wheel carries ICU with the data of every locale and legacy encoding (libicudata,
31 MB). Qt reads that data for a few things only (QCollator, locale-aware case mapping, encodings
it has no codec of its own for, time-zone names); a Chinese/English desk needs the root, English
and Chinese locales and the Chinese encodings. This keeps those, drops the rest, and links the
result into a library of the same name and symbol with binutils (`as`, `ld`).

ICU's common data is one blob: a header, a table of contents of (name offset, data offset) pairs
sorted by name, the names, then the items, each 16-byte aligned. See ICU's `udata.cpp` and
`ucmndata.h`.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path, PurePosixPath

# Locales kept (with their scripts and regions): root always, then these languages.
KEPT_LANGUAGES = frozenset({"en", "zh", "yue"})
# Legacy encodings kept for Qt's QStringConverter: GB 18030, GBK (windows-936 extends ibm-1386),
# GB 2312 (EUC-CN), Big5 (windows-950 extends ibm-950) and Big5-HKSCS.
KEPT_CONVERTERS = frozenset(
    {
        "gb18030",
        "windows-936-2000",
        "ibm-1386_P100-2001",
        "ibm-1383_P110-1999",
        "windows-950-2000",
        "ibm-950_P110-1999",
        "ibm-1373_P100-2002",
        "ibm-5471_P100-2006",
        "ibm-1375_P100-2008",
    }
)
# Line-break dictionaries of scripts nobody types in this program; transliteration, which Qt never uses.
DROPPED_ITEMS = frozenset({"brkitr/burmesedict.dict", "brkitr/khmerdict.dict", "brkitr/laodict.dict"})
DROPPED_TREES = frozenset({"translit"})
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")
_NOT_LOCALES = frozenset({"root", "res_index", "pool"})


def keep_item(name: str) -> bool:
    """Whether an item (`icudt73l/coll/zh.res`) stays; the `icudt73l/` prefix is ignored."""
    path = PurePosixPath(name)
    inner = PurePosixPath(*path.parts[1:])
    tree = inner.parts[0] if len(inner.parts) > 1 else ""
    if tree in DROPPED_TREES or str(inner) in DROPPED_ITEMS:
        return False
    if inner.suffix == ".cnv":
        return inner.stem in KEPT_CONVERTERS
    if inner.suffix == ".res" and _LOCALE.match(inner.stem) and inner.stem not in _NOT_LOCALES:
        return inner.stem.split("_", 1)[0] in KEPT_LANGUAGES
    return True


def read_items(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The header and the (name, data) items of an ICU common data blob."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27):
        raise ValueError("not ICU data")
    toc = header_size
    (count,) = struct.unpack_from("<I", blob, toc)
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_offset, data_offset) in enumerate(entries):
        name_end = blob.index(b"\0", toc + name_offset)
        end = toc + entries[i + 1][1] if i + 1 < count else len(blob)
        items.append((blob[toc + name_offset : name_end].decode("ascii"), blob[toc + data_offset : end]))
    return blob[:header_size], items


def write_items(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    names_start = 4 + 8 * len(items)
    data_start = names_start + len(names)
    data_start += -(len(header) + data_start) % 16  # items 16-byte aligned in the blob
    table, name_offset, data_offset, body = [], names_start, data_start, bytearray()
    for name, data in items:
        table.append(struct.pack("<II", name_offset, data_offset))
        name_offset += len(name) + 1
        padded = data + b"\0" * (-len(data) % 16)
        body += padded
        data_offset += len(padded)
    toc = struct.pack("<I", len(items)) + b"".join(table) + names
    return header + toc + b"\0" * (data_start - len(toc)) + bytes(body)


def data_symbol(library: Path) -> tuple[str, int, int]:
    """The data symbol (`icudt73_dat`), its file offset and size, read with binutils' readelf."""
    symbols = subprocess.run(["readelf", "-W", "--dyn-syms", str(library)], capture_output=True, text=True, check=True)
    for line in symbols.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 8 and re.fullmatch(r"icudt\d+_dat", fields[7]):
            address, size, name = int(fields[1], 16), int(fields[2], 0), fields[7]
            break
    else:
        raise ValueError(f"no icudt*_dat symbol in {library}")
    sections = subprocess.run(["readelf", "-W", "-S", str(library)], capture_output=True, text=True, check=True)
    for line in sections.stdout.splitlines():
        match = re.search(r"\]\s+\S+\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if match:
            start, offset, length = (int(g, 16) for g in match.groups())
            if start <= address < start + length:
                return name, address - start + offset, size
    raise ValueError(f"{name} is in no section of {library}")


def can_trim() -> bool:
    return all(shutil.which(tool) for tool in ("readelf", "as", "ld"))


def trim_library(library: Path, out_dir: Path) -> tuple[Path, int, int]:
    """Write the trimmed library (same file name) into out_dir; its path and the data sizes before/after."""
    name, offset, size = data_symbol(library)
    blob = library.read_bytes()[offset : offset + size]
    header, items = read_items(blob)
    trimmed = write_items(header, [(n, d) for n, d in items if keep_item(n)])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "icudata.bin").write_bytes(trimmed)
    (out_dir / "icudata.s").write_text(
        f"\t.section .rodata\n\t.globl {name}\n\t.type {name}, @object\n\t.balign 16\n{name}:\n"
        f'\t.incbin "icudata.bin"\n\t.size {name}, . - {name}\n\t.section .note.GNU-stack,"",@progbits\n',
        encoding="ascii",
    )
    subprocess.run(["as", "-o", "icudata.o", "icudata.s"], cwd=out_dir, check=True)
    soname = library.name  # libicudata.so.73
    target = out_dir / soname
    subprocess.run(["ld", "-shared", "-soname", soname, "-o", str(target), "icudata.o"], cwd=out_dir, check=True)
    return target, len(blob), len(trimmed)
