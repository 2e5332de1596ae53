"""Runtime hook of the Linux bundle: AES-CBC for SecretStorage without the `cryptography` package.

keyring's Linux backend talks to the desktop's Secret Service through SecretStorage, which encrypts
the secret on its way over D-Bus with AES-128-CBC (after a Diffie-Hellman exchange it does itself) and
takes the cipher from `cryptography` — a 12 MB Rust/OpenSSL extension for one block cipher. The bundle
already carries OpenSSL's libcrypto for Python's `ssl`, so this hook answers SecretStorage's imports
(`Cipher`, `algorithms.AES`, `modes.CBC`, `default_backend`) with the same calls on that libcrypto,
through ctypes, and the bundle leaves `cryptography` out (workbench.spec). Nothing else in the
program imports `cryptography`; padding stays SecretStorage's own (PKCS#7), as with `cryptography`,
whose CBC mode does not pad either.

Tested against `cryptography` itself (tests/integration/test_packaging.py). In a source checkout
this file only defines things; it installs the modules when the program runs frozen.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import types
from typing import Any

BLOCK = 16
_libcrypto: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    """The libcrypto Python's `ssl` loaded (dlopen finds the loaded one by name)."""
    global _libcrypto
    if _libcrypto is None:
        import ssl  # noqa: F401  (loads the bundle's libcrypto.so.3 first)

        lib = ctypes.CDLL("libcrypto.so.3")
        lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
        lib.EVP_CIPHER_CTX_free.argtypes = [ctypes.c_void_p]
        for name in ("EVP_aes_128_cbc", "EVP_aes_192_cbc", "EVP_aes_256_cbc"):
            getattr(lib, name).restype = ctypes.c_void_p
        lib.EVP_CipherInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                                          ctypes.c_char_p, ctypes.c_int]  # fmt: skip
        lib.EVP_CIPHER_CTX_set_padding.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.EVP_CipherUpdate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                         ctypes.c_char_p, ctypes.c_int]  # fmt: skip
        lib.EVP_CipherFinal_ex.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
        _libcrypto = lib
    return _libcrypto


class AES:
    name = "AES"
    block_size = BLOCK * 8

    def __init__(self, key: bytes) -> None:
        if len(key) not in (16, 24, 32):
            raise ValueError(f"Invalid key size ({len(key) * 8}) for AES.")
        self.key = bytes(key)


class CBC:
    name = "CBC"

    def __init__(self, initialization_vector: bytes) -> None:
        if len(initialization_vector) != BLOCK:
            raise ValueError("Invalid IV size for CBC.")
        self.initialization_vector = bytes(initialization_vector)


class _Context:
    """One encryption or decryption, fed by `update` and closed by `finalize` (no padding)."""

    def __init__(self, algorithm: AES, mode: CBC, encrypt: bool) -> None:
        lib = _lib()
        cipher = getattr(lib, f"EVP_aes_{len(algorithm.key) * 8}_cbc")()
        ctx = lib.EVP_CIPHER_CTX_new()
        if not ctx:
            raise MemoryError("EVP_CIPHER_CTX_new failed")
        self._ctx: int | None = ctx
        if lib.EVP_CipherInit_ex(ctx, cipher, None, algorithm.key, mode.initialization_vector, int(encrypt)) != 1:
            self._free()
            raise ValueError("the cipher could not be set up")
        lib.EVP_CIPHER_CTX_set_padding(ctx, 0)

    def update(self, data: bytes) -> bytes:
        if self._ctx is None:
            raise ValueError("Context was already finalized.")
        out = ctypes.create_string_buffer(len(data) + BLOCK)
        n = ctypes.c_int(0)
        if _lib().EVP_CipherUpdate(self._ctx, out, ctypes.byref(n), bytes(data), len(data)) != 1:
            raise ValueError("the cipher refused the data")
        return out.raw[: n.value]

    def finalize(self) -> bytes:
        if self._ctx is None:
            raise ValueError("Context was already finalized.")
        out = ctypes.create_string_buffer(BLOCK)
        n = ctypes.c_int(0)
        ok = _lib().EVP_CipherFinal_ex(self._ctx, out, ctypes.byref(n))
        self._free()
        if ok != 1:
            raise ValueError("The length of the provided data is not a multiple of the block length.")
        return out.raw[: n.value]

    def _free(self) -> None:
        if self._ctx is not None:
            _lib().EVP_CIPHER_CTX_free(self._ctx)
            self._ctx = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown the module's globals may be gone
            self._free()


class Cipher:
    def __init__(self, algorithm: AES, mode: CBC, backend: Any = None) -> None:
        if not isinstance(algorithm, AES) or not isinstance(mode, CBC):
            raise TypeError("only AES in CBC mode is available")
        self.algorithm, self.mode = algorithm, mode

    def encryptor(self) -> _Context:
        return _Context(self.algorithm, self.mode, encrypt=True)

    def decryptor(self) -> _Context:
        return _Context(self.algorithm, self.mode, encrypt=False)


def default_backend() -> None:
    return None


def install(modules: dict[str, Any] | None = None) -> None:
    """Answer `cryptography.hazmat.…` imports with the above (into `sys.modules` by default)."""
    target = sys.modules if modules is None else modules

    def module(name: str, **attrs: Any) -> types.ModuleType:
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        m.__path__ = []  # a package, so its submodules can be imported
        target[name] = m
        return m

    algorithms = module("cryptography.hazmat.primitives.ciphers.algorithms", AES=AES)
    modes = module("cryptography.hazmat.primitives.ciphers.modes", CBC=CBC)
    ciphers = module("cryptography.hazmat.primitives.ciphers", Cipher=Cipher, algorithms=algorithms, modes=modes)
    primitives = module("cryptography.hazmat.primitives", ciphers=ciphers)
    backends = module("cryptography.hazmat.backends", default_backend=default_backend)
    hazmat = module("cryptography.hazmat", primitives=primitives, backends=backends)
    module("cryptography", hazmat=hazmat, __version__="0+workbench-aes-cbc")


def _missing(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):
        return True


if getattr(sys, "frozen", False) and sys.platform.startswith("linux") and _missing("cryptography"):
    install()
