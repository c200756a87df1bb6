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


def bigram_positions(text: str) -> dict[str, list[int]]:
    """Positions of every bigram that does not cross a segment break."""
    found: dict[str, list[int]] = {}
    for position, pair in enumerate(map("".join, zip(text, text[1:]))):
        if SEPARATOR not in pair and not pair.isspace():
            found.setdefault(pair, []).append(position)
    return found


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
    postings: dict[str, list[int]] = {}
    title_lengths, total = [], 0
    for doc_id, doc in enumerate(docs):
        title_lengths.append(len(normalize(doc.title)))
        for pair, positions in bigram_positions(doc.text).items():
            entry = postings.setdefault(pair, [])
            entry.append(doc_id)
            entry.append(positions)
            total += len(positions)
    chunks = _chunk_count(total)
    sharded: list[dict[str, list[int]]] = [{} for _ in range(chunks)]
    for pair in sorted(postings):
        sharded[fnv1a(pair) % chunks][pair] = _encode(postings[pair])
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


def _encode(entry: list) -> list[int]:
    """[doc-delta, count, first position, position deltas…] for each document in turn."""
    flat, previous_doc = [], 0
    for doc_id, positions in zip(entry[::2], entry[1::2]):
        flat += [doc_id - previous_doc, len(positions), positions[0]]
        flat += [b - a for a, b in zip(positions, positions[1:])]
        previous_doc = doc_id
    return flat


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
