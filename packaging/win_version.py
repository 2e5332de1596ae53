"""The Windows version resource of workbench.exe and workbench-cli.exe (used by workbench.spec)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATE = """VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080404b0', [
      StringStruct('CompanyName', 'Workbench'),
      StringStruct('FileDescription', 'Workbench 客服工作台'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'workbench'),
      StringStruct('LegalCopyright', 'MIT License'),
      StringStruct('OriginalFilename', 'workbench.exe'),
      StringStruct('ProductName', 'Workbench'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [2052, 1200])])
  ]
)
"""


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """`0.1.0` → (0, 1, 0, 0); anything after the numbers (`0.2.0rc1`) is left out."""
    numbers = [int(m.group()) if (m := re.match(r"\d+", part)) else 0 for part in version.split(".")[:4]]
    a, b, c, d = (*numbers, 0, 0, 0, 0)[:4]
    return a, b, c, d


def write_version_file(version: str, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(version=version, numbers=version_numbers(version)), encoding="utf-8")
    return str(path)
