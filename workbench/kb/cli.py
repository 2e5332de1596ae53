"""`workbench kb ...` command line: batch ranking for external evaluation, and the industry packs.

Stable contract:

    workbench kb rank --kb KB.jsonl --queries Q.jsonl [--top 10]
    workbench kb packs [--json]

KB lines: {"id", "question", "alternatives": [...], "answer"} (also accepted: "category").
Query lines: {"qid", "query"}.  Output, one JSON line per query on stdout:
{"qid": ..., "ids": [best first], "scores": [...], "decision": "answer" | "clarify" | "none"} (what the
reception bot would do with the message at the default thresholds).  Ids may be strings; they are mapped to
integers internally and back.

`packs --json` prints a JSON list with one object per shipped industry pack (its newest version):
{"id", "name", "version", "entries", "phrasings"}, phrasings counted over all entries.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from workbench.domain.kb import KbEntry, Phrasing

# The matcher's outcomes (`OutcomeKind` values) as the contract names them. The matcher, jieba and the
# sentence model are imported by the command that ranks: the desk builds this module's parser at every
# start, before its window paints.
DECISIONS = {"direct": "answer", "clarify": "clarify", "fallback": "none"}


class InputError(Exception):
    """A problem with an input file, reported with its line number."""


def add_kb_parser(subparsers: Any) -> None:
    """Add the `kb` command (with its sub-commands) to an argparse sub-parser collection.

    Given the `kb` command's own sub-parser collection (dest "kb_command"), adds the sub-commands
    to it directly, so `workbench kb packs` works either way.
    """
    if getattr(subparsers, "dest", None) == "kb_command":
        _add_commands(subparsers)
        return
    kb = subparsers.add_parser("kb", help="knowledge-base tools")
    _add_subcommands(kb)


def _add_subcommands(parser: argparse.ArgumentParser) -> None:
    _add_commands(parser.add_subparsers(dest="kb_command", required=True))


def _add_commands(sub: Any) -> None:
    rank = sub.add_parser("rank", help="rank KB entries for each query (JSON lines on stdout)")
    rank.add_argument("--kb", required=True, type=Path, help="KB entries, JSON lines")
    rank.add_argument("--queries", required=True, type=Path, help="queries, JSON lines")
    rank.add_argument("--top", type=int, default=10, help="entries per query (default 10)")
    rank.add_argument("--cache-dir", type=Path, default=None, help="jieba cache directory")
    packs = sub.add_parser("packs", help="list the shipped industry packs (行业包)")
    packs.add_argument("--json", action="store_true", help="print a JSON list instead of a table")


def run_kb_command(args: argparse.Namespace) -> int:
    if args.kb_command == "rank":
        return _rank(args, sys.stdout)
    if args.kb_command == "packs":
        return _packs(args, sys.stdout)
    print(f"unknown kb command: {args.kb_command}", file=sys.stderr)
    return 2


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # Read as bytes and decode each line, so a file that is not UTF-8 is reported with its line.
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")  # a BOM is tolerated
            except UnicodeDecodeError as exc:
                column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
                raise InputError(
                    f"{path}:{lineno}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column})"
                ) from exc
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object")
            if _has_lone_surrogate(obj):  # "\ud800" escapes decode to text no output can encode
                raise InputError(f"{path}:{lineno}: invalid text (a lone surrogate escape such as \\ud800)")
            yield lineno, obj


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def load_kb(path: Path) -> tuple[list[KbEntry], list[Any]]:
    """KB entries with integer ids 0..n-1, and the original id of each."""
    entries: list[KbEntry] = []
    ids: list[Any] = []
    for lineno, obj in _read_jsonl(path):
        if "id" not in obj or not isinstance(obj.get("question"), str):
            raise InputError(f"{path}:{lineno}: needs 'id' and a string 'question'")
        alternatives = obj.get("alternatives") or []
        if not isinstance(alternatives, list) or not all(isinstance(a, str) for a in alternatives):
            raise InputError(f"{path}:{lineno}: 'alternatives' must be a list of strings")
        answer = obj.get("answer")
        entries.append(
            KbEntry(
                id=len(entries),
                category=str(obj.get("category") or ""),
                question=obj["question"],
                answers=(answer,) if isinstance(answer, str) and answer else (),
                phrasings=tuple(Phrasing(a) for a in alternatives),
            )
        )
        ids.append(obj["id"])
    return entries, ids


def _rank(args: argparse.Namespace, out: TextIO) -> int:
    from workbench.kb import semantic, tokenizer
    from workbench.kb.matcher import Matcher

    if args.top <= 0:
        print("--top must be positive", file=sys.stderr)
        return 2
    if args.cache_dir is not None:
        tokenizer.set_cache_dir(args.cache_dir)
    try:
        entries, ids = load_kb(args.kb)
        tokenizer.ensure_loaded()
        stage = None
        if semantic.load_model() is not None:  # a batch: the phrasing vectors first, then the queries
            stage = semantic.SemanticStage(background=False)
        matcher = Matcher(entries, semantic=stage)
        for lineno, obj in _read_jsonl(args.queries):
            if "qid" not in obj or not isinstance(obj.get("query"), str):
                raise InputError(f"{args.queries}:{lineno}: needs 'qid' and a string 'query'")
            ranked = matcher.rank(obj["query"], top=args.top)
            row = {
                "qid": obj["qid"],
                "ids": [ids[i] for i, _ in ranked],
                "scores": [s for _, s in ranked],
                "decision": DECISIONS[matcher.decision(obj["query"])],
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    except (OSError, InputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.flush()
    return 0


def _packs(args: argparse.Namespace, out: TextIO) -> int:
    from workbench.domain.packs import PackFormatError, latest_packs

    try:
        summaries = [p.summary() for p in latest_packs()]
    except PackFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        out.write(json.dumps(summaries, ensure_ascii=False) + "\n")
    else:
        for s in summaries:
            line = f"{s['id']:<12} {s['name']:<4} {s['version']:>6}"
            out.write(f"{line} {s['entries']:>5} entries {s['phrasings']:>6} phrasings\n")
    out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workbench kb", description="knowledge-base tools")
    _add_subcommands(parser)
    return run_kb_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
