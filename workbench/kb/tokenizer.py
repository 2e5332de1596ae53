"""jieba start-up, off the UI thread, with its cache in our cache dir."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_lock = threading.Lock()
_ready = threading.Event()
_cache_dir: Path | None = None


def set_cache_dir(path: Path) -> None:
    """Where jieba keeps its prefix-dictionary cache (call before `ensure_loaded`)."""
    global _cache_dir
    _cache_dir = path


def is_ready() -> bool:
    return _ready.is_set()


def ensure_loaded() -> None:
    """Initialise jieba once (about 1 s); safe to call from any thread."""
    if _ready.is_set():
        return
    with _lock:
        if _ready.is_set():
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if _cache_dir is not None:
            _cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(_cache_dir)
        jieba.initialize()
        _ready.set()


def cut(text: str) -> list[str]:
    ensure_loaded()
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]
