"""The site's search index: exact Chinese substring search, downloaded in chunks.

Every document's text is a list of segments (a title, a table cell, a sentence)
joined by line breaks. The index maps each pair of adjacent characters within a
segment (a bigram) to the documents and positions where it occurs, so a query
of two or more characters is found exactly where the text contains it: no word
segmentation can disagree between indexer and browser, and adjacent table cells
never run together. Bigrams are spread over chunk files by hash; a query
downloads only the chunks of its own bigrams, and the titles of the documents it
shows. `assets/javascripts/jixiao-search.js` is the browser half, speaking the
message protocol of mkdocs-material's search worker; `query()` below is the same
algorithm in Python, for tests and benchmarks.
"""
from __future__ import annotations

import json
import unicodedata

import numpy as np
from dataclasses import dataclass
from pathlib import Path

SEPARATOR = "\n"
BLOCK = 64  # documents per metadata file
TARGET_CHUNK_BYTES = 48_000
KIND_BOOST = {"evaluation": 3.0, "listing": 1.0, "page": 0.5}


def normalize(text: str) -> str:
    """NFKC (full-width to half-width) and lower case: what the browser does to a query too."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass
class Doc:
    url: str
    title: str
    kind: str  # evaluation | listing | page
    segments: list[str]
    snippet: str = ""

    @property
    def text(self) -> str:
        return normalize(SEPARATOR.join([self.title, *self.segments]))


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units, as JavaScript sees a string."""
    value = 0x811C9DC5
    data = text.encode("utf-16-le")
    for i in range(0, len(data), 2):
        value ^= data[i] | (data[i + 1] << 8)
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


# Whitespace (after NFKC) never appears in a query term: bigrams holding it are not indexed.
_BREAKS = np.array([9, 10, 11, 12, 13, 32, 0x85, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0xFEFF,
                    *range(0x2000, 0x200B)], dtype=np.uint64)


def _postings(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bigram key, document, position) of every indexed bigram, sorted in that order.

    A key packs the two code points (21 bits each). numpy does in one pass what a
    Python loop over fifteen million characters would take seconds to do."""
    keys, docs, positions = [], [], []
    for doc_id, text in enumerate(texts):
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        if len(points) < 2:
            continue
        breaks = np.isin(points, _BREAKS)
        at = np.flatnonzero(~(breaks[:-1] | breaks[1:]))
        keys.append((points[at] << np.uint64(21)) | points[at + 1])
        positions.append(at.astype(np.int64))
        docs.append(np.full(len(at), doc_id, dtype=np.int64))
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.uint64), empty, empty
    key, doc, position = np.concatenate(keys), np.concatenate(docs), np.concatenate(positions)
    order = np.lexsort((position, doc, key))
    return key[order], doc[order], position[order]


def _encode_all(key: np.ndarray, doc: np.ndarray, position: np.ndarray):
    """Each bigram's flat list [doc-delta, count, first position, position deltas…] per document,
    computed for all bigrams at once; yields (bigram, list)."""
    n = len(key)
    if n == 0:
        return
    group_start = np.ones(n, dtype=bool)
    group_start[1:] = key[1:] != key[:-1]
    run_start = group_start.copy()
    run_start[1:] |= doc[1:] != doc[:-1]
    starts = np.flatnonzero(run_start)
    counts = np.diff(np.append(starts, n))
    previous_doc = np.where(group_start[starts], 0, doc[starts - 1])
    offset = np.arange(n) + 2 * np.cumsum(run_start)
    flat = np.empty(n + 2 * len(starts), dtype=np.int64)
    deltas = np.empty(n, dtype=np.int64)
    deltas[0] = position[0]
    deltas[1:] = position[1:] - position[:-1]
    flat[offset] = np.where(run_start, position, deltas)
    flat[offset[starts] - 2] = doc[starts] - previous_doc
    flat[offset[starts] - 1] = counts
    groups = np.flatnonzero(group_start)
    ends = np.append(offset[groups[1:]] - 2, len(flat))
    mask = np.uint64((1 << 21) - 1)
    for begin, end, k in zip((offset[groups] - 2).tolist(), ends.tolist(), key[groups].tolist()):
        yield chr(k >> 21) + chr(k & int(mask)), flat[begin:end].tolist()


def _chunk_count(total_positions: int) -> int:
    estimated_bytes = total_positions * 3
    count = 1
    while count * TARGET_CHUNK_BYTES < estimated_bytes and count < 4096:
        count *= 2
    return count


def build_index(docs: list[Doc], out_dir: Path) -> dict:
    """Write `search/` under out_dir; returns figures about the index."""
    search_dir = out_dir / "search"
    (search_dir / "c").mkdir(parents=True, exist_ok=True)
    (search_dir / "d").mkdir(parents=True, exist_ok=True)
    texts = [doc.text for doc in docs]
    title_lengths = [len(normalize(doc.title)) for doc in docs]
    key, doc_ids, positions = _postings(texts)
    chunks = _chunk_count(len(key))
    sharded: list[dict[str, list[int]]] = [{} for _ in range(chunks)]
    for pair, flat in _encode_all(key, doc_ids, positions):
        sharded[fnv1a(pair) % chunks][pair] = flat
    sizes = [_write_json(search_dir / "c" / f"{i}.json", shard) for i, shard in enumerate(sharded)]
    for start in range(0, len(docs), BLOCK):
        block = [{"u": d.url, "t": d.title, "k": d.kind, "s": d.snippet} for d in docs[start:start + BLOCK]]
        _write_json(search_dir / "d" / f"{start // BLOCK}.json", block)
    manifest = {"chunks": chunks, "block": BLOCK, "docs": len(docs), "titles": title_lengths,
                "boost": [KIND_BOOST[d.kind] for d in docs]}
    manifest_size = _write_json(search_dir / "manifest.json", manifest)
    # mkdocs-material's bundle fetches this file and hands it to the worker; ours needs no documents.
    _write_json(search_dir / "search_index.json",
                {"config": {"lang": ["zh"], "separator": r"[\s\-]+", "pipeline": []}, "docs": []})
    return {"documents": len(docs), "chunks": chunks, "bytes": sum(sizes) + manifest_size,
            "largest_chunk": max(sizes) if sizes else 0, "manifest_bytes": manifest_size}


def _decode(flat: list[int]) -> dict[int, list[int]]:
    docs, i, doc_id = {}, 0, 0
    while i < len(flat):
        doc_id += flat[i]
        count = flat[i + 1]
        positions = [flat[i + 2]]
        for delta in flat[i + 3:i + 2 + count]:
            positions.append(positions[-1] + delta)
        docs[doc_id] = positions
        i += 2 + count
    return docs


def _write_json(path: Path, data) -> int:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


# --- the query algorithm, as the browser runs it -------------------------------------

def match_term(term: str, chunk_of) -> dict[int, list[int]]:
    """Documents containing the term, with the positions where it starts."""
    pairs = [term[i:i + 2] for i in range(len(term) - 1)]
    lists = []
    for pair in pairs:
        flat = chunk_of(fnv1a(pair)).get(pair)
        if flat is None:
            return {}
        lists.append(_decode(flat))
    candidates = set.intersection(*(set(docs) for docs in lists))
    matches = {}
    for doc_id in candidates:
        later = [set(docs[doc_id]) for docs in lists[1:]]
        starts = [p for p in lists[0][doc_id] if all(p + i + 1 in s for i, s in enumerate(later))]
        if starts:
            matches[doc_id] = starts
    return matches


def query(index_dir: Path, text: str) -> list[str]:
    """URLs of the documents matching every term of the query, best first."""
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    loaded: dict[int, dict] = {}

    def chunk_of(hash_value: int) -> dict:
        number = hash_value % manifest["chunks"]
        if number not in loaded:
            loaded[number] = json.loads((index_dir / "c" / f"{number}.json").read_text(encoding="utf-8"))
        return loaded[number]

    terms = [t for t in normalize(text).split() if len(t) >= 2]
    if not terms:
        return []
    scores: dict[int, float] | None = None
    for term in terms:
        matches = match_term(term, chunk_of)
        term_scores = {doc: _score(doc, starts, manifest) for doc, starts in matches.items()}
        scores = term_scores if scores is None else {d: scores[d] + s for d, s in term_scores.items() if d in scores}
    ranked = sorted(scores, key=lambda doc: (-scores[doc], doc))
    blocks: dict[int, list] = {}
    urls = []
    for doc in ranked:
        block = doc // manifest["block"]
        if block not in blocks:
            blocks[block] = json.loads((index_dir / "d" / f"{block}.json").read_text(encoding="utf-8"))
        urls.append(blocks[block][doc % manifest["block"]]["u"])
    return urls


def _score(doc: int, starts: list[int], manifest: dict) -> float:
    in_title = starts[0] < manifest["titles"][doc]
    return manifest["boost"][doc] * (10 if in_title else 1) * (1 + min(len(starts), 10) / 10)
