"""The site's search index: exact Chinese substring search, downloaded in chunks.

What is searched is what a reader sees: the visible text of each page's main
content (visible_text() of the rendered HTML, without the header, navigation and
footer every page repeats), a list of segments (a heading, a table cell, a
paragraph) joined by line breaks. The index maps each pair of adjacent characters
within a segment (a bigram) to the documents and positions where it occurs, so a
query of two or more characters is found exactly where the text contains it: no
word segmentation can disagree between indexer and browser, and adjacent table
cells never run together. Documents are indexed in partitions, and each partition's
bigrams are spread over chunk files by hash; a query downloads only the chunks of its
own bigrams, then the titles and page texts (TEXT_FILE, beside each page) of the
results it shows, a page of them at a time. A word on many pages shows its first
results from the first partition alone (see Answer), so the first download stays small.
`assets/javascripts/jixiao-search.js` is the browser half, speaking the message
protocol of mkdocs-material's search worker; `query()` and `snippet()` below are
the same algorithms in Python, for tests and benchmarks.
"""
from __future__ import annotations

import hashlib
import itertools
import html
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Callable

import orjson


class _Numpy:
    """numpy, imported when first used: only writing a partition needs it, and a build that
    keeps every partition (most one-file edits) spares its import (~0.1 CPU-s)."""

    def __getattr__(self, name: str):
        import numpy

        return getattr(numpy, name)


np = _Numpy()

SEPARATOR = "\n"
BLOCK = 16  # documents per metadata file (URL and title): results come from all over the site
TARGET_CHUNK_BYTES = 8_000  # smaller chunks: a query fetches fewer postings it does not need
PARTITION = 1024  # documents per index partition: the unit of incremental rebuilds (whole blocks)
KIND_BOOST = {"evaluation": 3.0, "listing": 1.0, "page": 0.5}
KIND_CODES = {"evaluation": "e", "listing": "l", "page": "p"}
FIRST_PAGE = 10  # results in the first answer to a query (jixiao-search.js); more are loaded as the list scrolls
TEXT_FILE = "search.txt"  # a page's searchable text, written beside it: result snippets are cut from it
SNIPPET_BEFORE, SNIPPET_SNAP, SNIPPET_LENGTH = 24, 8, 80  # characters of context shown around a match


def normalize(text: str) -> str:
    """NFKC (full-width to half-width) and lower case: what the browser does to a query too."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass
class Doc:
    url: str
    title: str
    kind: str  # evaluation | listing | page
    # What is searched, as encode_text() made it (a cached page's: a view), or a function that
    # makes it, called only if a partition holding the document is written (`data`).
    encoded: bytes | memoryview | Callable[[], bytes]
    # A digest of everything the text is made from (its page's fingerprint), if known: a
    # partition's digest is then made from it, and the text is not needed unless written.
    version: str | None = None

    def data(self) -> bytes | memoryview:
        if callable(self.encoded):
            self.encoded = self.encoded()
        return self.encoded

    @property
    def text(self) -> str:
        return str(self.data(), "utf-8")


def page_text(title: str, segments: list[str]) -> str:
    """A page's searchable text as the reader sees it: its title, then its segments, one per line."""
    return SEPARATOR.join([title, *segments])


def encode_text(text: str) -> bytes:
    """What the index is made of: page_text() normalized, in UTF-8.

    Made once, where the page is rendered; builds that reuse the page reuse the bytes
    (kept as bytes because the cache of 10,000 of them loads faster undecoded).

    Line by line: neither NFKC nor lower-casing acts across a line break, and most lines
    (labels, headings, the scheme's rules) recur on page after page, so each is normalized
    once (NFKC of a whole page took a tenth of a millisecond)."""
    return SEPARATOR.join(map(_normalized_line, text.split(SEPARATOR))).encode("utf-8")


def text_version(encoded: bytes) -> str:
    """A document's version made from its index text itself: made where an evaluation's page is
    rendered and kept with it, so that a build which keeps the page hashes none of its text
    (10,000 evaluations' texts are 45 MB)."""
    return "text:" + hashlib.sha1(encoded).hexdigest()


@lru_cache(maxsize=16384)
def _normalized_line(line: str) -> str:
    return normalize(line)


# --- the visible text of a page ---------------------------------------------------------

# Tags inside a line of text: their text runs on. Every other tag (a cell, a heading, a
# paragraph, a line break) ends a segment. Regular expressions rather than a parser: this
# runs on 10,000 pages, and the HTML is jixiao's own templates' (lower case, attributes
# quoted and escaped by Jinja). Each pattern starts with "<", which the engine scans for fast.
_INLINE = ("span|a|strong|small|code|b|i|em|mark|sub|sup|abbr|bdi|bdo|cite|data|del|dfn|ins|kbd|label|q|s|samp"
           "|time|u|var|wbr")
_UNSEEN_OR_INLINE = re.compile(r"<(?:!--.*?-->|(script|style|template|title|desc)\b.*?</\1\s*>"
                               rf"|/?(?:{_INLINE})\b[^>]*>)", re.S)
_TAGS = re.compile(r"<[^>]*>(?:\s*<[^>]*>)*")
_HIDDEN_OPEN = re.compile(r"<([a-z][a-z0-9-]*)\b[^>]*\shidden\b[^>]*>")


def visible_text(markup: str) -> list[str]:
    """The text segments a browser shows of this HTML, in order: scripts, styles, comments,
    SVG titles (tooltips) and elements marked `hidden` left out; a collapsed <details> counts,
    as one click shows it."""
    if " hidden" in markup:
        markup = _without_hidden(markup)
    text = _TAGS.sub("\n", _UNSEEN_OR_INLINE.sub("", markup))
    if "&" in text:
        text = html.unescape(text)
    return [segment for segment in (line.strip() for line in text.split("\n")) if segment]


def _without_hidden(markup: str) -> str:
    """The markup less every element carrying the `hidden` attribute (and its descendants)."""
    while match := _HIDDEN_OPEN.search(markup):
        tag = match.group(1)
        depth, end = 1, match.end()
        for inner in re.finditer(rf"<(/?){tag}\b[^>]*>", markup[match.end():]):
            depth += -1 if inner.group(1) else 1
            if depth == 0:
                end = match.end() + inner.end()
                break
        else:
            end = len(markup)
        markup = markup[:match.start()] + markup[end:]
    return markup


def snippet(text: str, terms: list[str]) -> str:
    """HTML of the line shown under a result: the page's text around the first match of a
    term (outside the title line), matches marked, cells separated by “ · ”.

    Mirrors snippet() in jixiao-search.js. Matching is done on normalized characters and
    mapped back, so the reader sees the page's own characters (full-width, upper case)."""
    body = text.split(SEPARATOR, 1)[1] if SEPARATOR in text else ""
    folded, origin = "", []
    for index, char in enumerate(body):
        piece = normalize(char)
        folded += piece
        origin += [index] * len(piece)
    origin.append(len(body))
    marks = [False] * len(body)
    first = len(body)
    for term in terms:
        at = folded.find(term)
        if at >= 0:
            first = min(first, origin[at])
        while at >= 0:
            for index in range(origin[at], origin[at + len(term)]):
                marks[index] = True
            at = folded.find(term, at + 1)
    start = _snippet_start(body, first) if first < len(body) else 0
    end = min(len(body), start + SNIPPET_LENGTH)
    out, open_mark = ["…"] if start > 0 else [], False
    for index in range(start, end):
        if marks[index] != open_mark:
            out.append("<mark>" if marks[index] else "</mark>")
            open_mark = marks[index]
        out.append(" · " if body[index] == SEPARATOR else _ESCAPES.get(body[index], body[index]))
    if open_mark:
        out.append("</mark>")
    if end < len(body):
        out.append("…")
    return "".join(out)


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}  # as jixiao-search.js


def _snippet_start(body: str, first: int) -> int:
    """SNIPPET_BEFORE characters before the match, moved back to the start of its cell when
    that is a few characters further, or on to the next cell (no half a word)."""
    start = first - SNIPPET_BEFORE
    if start <= 0:
        return 0
    cell = body.rfind(SEPARATOR, 0, start) + 1
    if start - cell <= SNIPPET_SNAP:
        return cell
    next_cell = body.find(SEPARATOR, start, first)
    return next_cell + 1 if next_cell >= 0 else start


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units, as JavaScript sees a string."""
    value = 0x811C9DC5
    data = text.encode("utf-16-le")
    for i in range(0, len(data), 2):
        value ^= data[i] | (data[i + 1] << 8)
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


# Whitespace (after NFKC) never appears in a query term: bigrams holding it are not indexed.
@cache
def _breaks():
    return np.array([9, 10, 11, 12, 13, 32, 0x85, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0xFEFF,
                     *range(0x2000, 0x200B)], dtype=np.uint64)


def _postings(texts: list[str], first_id: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bigram key, document, position) of every indexed bigram, sorted in that order.

    A key packs the two code points (21 bits each). numpy does in one pass over all the
    documents, joined by line breaks (no bigram spans two), what a Python loop over
    fifteen million characters would take seconds to do."""
    points = np.frombuffer(SEPARATOR.join(texts).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(text) + 1 for text in texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    breaks = np.isin(points, _breaks())
    at = np.flatnonzero(~(breaks[:-1] | breaks[1:]))
    doc = np.searchsorted(starts, at, side="right") - 1
    position = at - starts[doc]
    key = (points[at].astype(np.uint64) << np.uint64(21)) | points[at + 1]  # already in (document, position) order
    if len(key) < 1 << _INDEX_BITS:
        # Keys are 42 bits: with each posting's index in the low 22 bits they sort as
        # plain numbers, ten times faster than a stable argsort of the keys.
        packed = np.sort((key << np.uint64(_INDEX_BITS)) | np.arange(len(key), dtype=np.uint64))
        order = (packed & np.uint64((1 << _INDEX_BITS) - 1)).astype(np.int64)
    else:
        order = np.argsort(key, kind="stable")
    return key[order], doc[order] + first_id, position[order]


_INDEX_BITS = 22


# Postings are written as base-32 varints in a JSON string: each number is its base-32
# digits, most significant first, the last one marked by adding 32. Position gaps
# (mostly under 1,024) take 2 characters instead of JSON's 3–4, so a query downloads
# about a third less.
VARINT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_VARINT_DIGITS = 7  # numbers below 2**35
_VARINT_CODES = {char: code for code, char in enumerate(VARINT_ALPHABET)}


@cache
def _varint_tables():
    """The alphabet's ASCII codes, and the smallest number of each length from 2 digits on."""
    return (np.frombuffer(VARINT_ALPHABET.encode("ascii"), dtype=np.uint8),
            np.array([1 << (5 * digit) for digit in range(1, _VARINT_DIGITS)], dtype=np.int64))


def _varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The characters (ASCII codes) of all values, and where each value's characters end.

    Every value has its last digit; fewer and fewer have each further one, so each pass
    works only on the values still long enough."""
    alphabet, steps = _varint_tables()
    lengths = np.searchsorted(steps, values, side="right") + 1
    ends = np.cumsum(lengths)
    chars = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    chars[ends - 1] = alphabet[(values & 31) + 32]
    longer = np.flatnonzero(lengths > 1)
    digit = 1
    while len(longer):
        chars[ends[longer] - 1 - digit] = alphabet[(values[longer] >> (5 * digit)) & 31]
        digit += 1
        longer = longer[lengths[longer] > digit]
    return chars, ends


def _encode_all(key: np.ndarray, doc: np.ndarray, position: np.ndarray):
    """Each bigram's numbers [doc-delta, count, first position, position deltas…] per document,
    computed for all bigrams at once; yields (bigram, varint string)."""
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
    chars, ends = _varints(flat)
    text = chars.tobytes().decode("ascii")
    groups = np.flatnonzero(group_start)
    first_number = offset[groups] - 2
    char_begin = np.where(first_number > 0, ends[first_number - 1], 0)
    char_end = np.append(char_begin[1:], len(text))
    mask = (1 << 21) - 1
    for begin, end, k in zip(char_begin.tolist(), char_end.tolist(), key[groups].tolist()):
        yield chr(k >> 21) + chr(k & mask), text[begin:end]


def _varint_string(values: list[int]) -> str:
    """`_varints` of a few numbers (the manifest's title lengths), in Python: a build that
    writes no partition then never imports numpy."""
    encoded = []
    for value in values:
        digits = [VARINT_ALPHABET[(value & 31) + 32]]
        while value := value >> 5:
            digits.append(VARINT_ALPHABET[value & 31])
        encoded.append("".join(reversed(digits)))
    return "".join(encoded)


def _numbers(encoded: str) -> list[int]:
    numbers, value = [], 0
    for char in encoded:
        code = _VARINT_CODES[char]
        if code < 32:
            value = value * 32 + code
        else:
            numbers.append(value * 32 + code - 32)
            value = 0
    return numbers


def _chunk_count(total_positions: int) -> int:
    estimated_bytes = total_positions * 2
    count = 1
    while count * TARGET_CHUNK_BYTES < estimated_bytes and count < 4096:
        count *= 2
    return count


def build_index(docs: list[Doc], out_dir: Path, previous: list[dict] | None = None, map_=map, keep=None) -> dict:
    """Write `search/` under out_dir; returns figures about the index and its partitions, and
    the files it consists of (`files`, relative to out_dir).

    Documents are indexed in partitions of PARTITION; a partition whose documents did
    not change since `previous` (the partitions of the last build) is not written again
    but kept by `keep(files)` (which links the last build's files, False when it cannot:
    the partition is then written), so editing one evaluation rewrites one partition.
    Without `keep`, an unchanged partition's files are taken to be in out_dir already.
    The partitions to write are independent: `map_` may be a process pool's."""
    search_dir = out_dir / "search"
    (search_dir / "d").mkdir(parents=True, exist_ok=True)
    kept = {(p["start"], p["count"], p["digest"]): p for p in previous or []}
    partitions, tasks, made = [], [], []
    for number, start in enumerate(range(0, len(docs), PARTITION)):
        part = docs[start:start + PARTITION]
        digest = _digest(part)
        old = kept.get((start, len(part), digest))
        if old is not None and keep is not None and not keep(partition_files(number, old)):
            old = None
        if old is None:
            old = {"start": start, "count": len(part), "digest": digest}
            part = [Doc(d.url, d.title, d.kind, bytes(d.data())) for d in part]  # a view cannot go to a worker
            tasks.append((part, start, search_dir / f"p{number}"))
            made.append(old)
        partitions.append(old)
    for old, (chunks, written) in zip(made, map_(_write_partition_and_blocks, tasks)):
        old.update(chunks=chunks, bytes=sum(written))
    index_bytes = sum(p["bytes"] for p in partitions)
    # Per document, as strings: 10,000 documents take 25 KB instead of 70 KB of JSON arrays,
    # and every first search downloads this file.
    manifest = {"block": BLOCK, "docs": len(docs),
                "titles": _varint_string([len(normalize(d.title)) for d in docs]),
                "kinds": "".join(KIND_CODES[d.kind] for d in docs),
                "boost": {KIND_CODES[kind]: boost for kind, boost in KIND_BOOST.items()},
                "partitions": [[p["start"], p["count"], p["chunks"]] for p in partitions]}
    manifest_size = _write_json(search_dir / "manifest.json", manifest)
    # mkdocs-material's bundle fetches this file and hands it to the worker; ours needs no documents.
    _write_json(search_dir / "search_index.json",
                {"config": {"lang": ["zh"], "separator": r"[\s\-]+", "pipeline": []}, "docs": []})
    files = ["search/manifest.json", "search/search_index.json"]
    files += [name for number, p in enumerate(partitions) for name in partition_files(number, p)]
    return {"documents": len(docs), "partitions": partitions, "rewritten_partitions": len(tasks),
            "bytes": index_bytes + manifest_size, "manifest_bytes": manifest_size, "files": sorted(files)}


def partition_files(number: int, partition: dict) -> list[str]:
    """A partition's files, relative to the site: its chunks, and the blocks of its documents'
    titles (a partition holds whole blocks)."""
    first, end = partition["start"] // BLOCK, -(-(partition["start"] + partition["count"]) // BLOCK)
    return ([f"search/p{number}/{chunk}.json" for chunk in range(partition["chunks"])]
            + [f"search/d/{block}.json" for block in range(first, end)])


def _write_partition_and_blocks(task: tuple[list[Doc], int, Path]) -> tuple[int, list[int]]:
    docs, first_id, directory = task
    _write_blocks(docs, first_id, directory.parent / "d")
    return _write_partition(docs, first_id, directory)


def _write_blocks(docs: list[Doc], first_id: int, directory: Path) -> None:
    """The titles and URLs the result list shows, BLOCK documents a file (partitions
    hold whole blocks, so a kept partition keeps its blocks too)."""
    for start in range(0, len(docs), BLOCK):
        block = [{"u": d.url, "t": d.title} for d in docs[start:start + BLOCK]]
        _write_json(directory / f"{(first_id + start) // BLOCK}.json", block)


def _digest(docs: list[Doc]) -> str:
    digest = hashlib.sha1()
    for doc in docs:
        digest.update(f"{doc.url}\0{doc.kind}\0{doc.title}\0".encode("utf-8"))
        if doc.version is not None:
            digest.update(b"v\0" + doc.version.encode("ascii"))
        else:
            digest.update(b"t\0")
            digest.update(doc.data())
    return digest.hexdigest()


def _write_partition(docs: list[Doc], first_id: int, directory: Path) -> tuple[int, list[int]]:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    key, doc_ids, positions = _postings([doc.text for doc in docs], first_id)
    chunks = _chunk_count(len(key))
    sharded: list[dict[str, str]] = [{} for _ in range(chunks)]
    for pair, encoded in _encode_all(key, doc_ids, positions):
        sharded[fnv1a(pair) % chunks][pair] = encoded
    return chunks, [_write_json(directory / f"{i}.json", shard) for i, shard in enumerate(sharded)]


def _decode(encoded: str) -> dict[int, list[int]]:
    flat = _numbers(encoded)
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
    """A new file: the one at `path` may be a link to the published output's (a patched spare tree)."""
    text = orjson.dumps(data)  # a third of the time of json.dumps; the index holds no NaN
    path.unlink(missing_ok=True)
    path.write_bytes(text)
    return len(text)


# --- the query algorithm, as the browser runs it -------------------------------------

def covering_offsets(term: str) -> list[int]:
    """Where to take the bigrams that pin a term down: every other one, and the last.

    Bigrams at these offsets, found at these distances, spell the whole term (the
    ones between are implied), so a 6-character query fetches 3 bigrams' postings, not 5."""
    offsets = list(range(0, len(term) - 1, 2))
    if offsets[-1] != len(term) - 2:
        offsets.append(len(term) - 2)
    return offsets


def match_term(term: str, postings_of) -> dict[int, list[int]]:
    """Documents containing the term, with the positions where it starts."""
    offsets = covering_offsets(term)
    lists = []
    for offset in offsets:
        docs = postings_of(term[offset:offset + 2])
        if not docs:
            return {}
        lists.append(docs)
    candidates = set.intersection(*(set(docs) for docs in lists))
    matches = {}
    for doc_id in candidates:
        later = [(offset, set(docs[doc_id])) for offset, docs in zip(offsets[1:], lists[1:])]
        starts = [p for p in lists[0][doc_id] if all(p + offset in s for offset, s in later)]
        if starts:
            matches[doc_id] = starts
    return matches


def query(index_dir: Path, text: str) -> list[str]:
    """URLs of the documents matching every term of the query, in the order they are listed."""
    return urls_of(index_dir, query_ids(index_dir, text))


def urls_of(index_dir: Path, doc_ids: list[int]) -> list[str]:
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    blocks: dict[int, list] = {}
    urls = []
    for doc in doc_ids:
        block = doc // manifest["block"]
        if block not in blocks:
            blocks[block] = json.loads((index_dir / "d" / f"{block}.json").read_text(encoding="utf-8"))
        urls.append(blocks[block][doc % manifest["block"]]["u"])
    return urls


def query_terms(text: str) -> list[str]:
    """The words of a query that are searched: a single character is not (it is in nearly every page)."""
    return [term for term in normalize(text).split() if len(term) >= 2]


def query_ids(index_dir: Path, text: str) -> list[int]:
    """Document numbers matching every term of the query, in the order they are listed."""
    return answer(index_dir, text).ranked


@dataclass
class Answer:
    """A query's results as the browser lists them, and what it reads before it shows the first.

    The partitions of the index are searched in order, the first one alone, then as many
    again each time (1, 2, 4, 8… partitions: stages()), until those searched hold a first
    page of results (FIRST_PAGE): these are shown at once, best first, and stay at the top
    of the list; the other partitions are read after, for the exact count and the pages
    that follow, every other result ranked with those of the whole index. A word on many
    pages thus waits for one partition's postings, not for all of them; a word too rare
    to fill a page waits for every partition and is ranked as a whole."""
    ranked: list[int]  # every matching document, in the order listed
    first: list[int]  # the results shown first (a page of them)
    first_files: list[str]  # the index files read before they are shown, relative to search/


def answer(index_dir: Path, text: str) -> Answer:
    terms = query_terms(text)
    if not terms:
        return Answer([], [], [])
    index = _Index(index_dir)
    scores: dict[int, float] = {}
    searched = 0
    for searched_next in stages(len(index.manifest["partitions"])):
        scores.update(index.scores(terms, range(searched, searched_next)))
        searched = searched_next
        if len(scores) >= FIRST_PAGE:
            break
    head = _best(scores)[:FIRST_PAGE]
    read_first = sorted(index.read)
    scores.update(index.scores(terms, range(searched, len(index.manifest["partitions"]))))
    ranked = listed_order(head, _best(scores))
    return Answer(ranked, head, read_first)


def stages(partitions: int) -> list[int]:
    """How many partitions are searched, at most, before the first results show: 1, 2, 4… all."""
    ends = [min(1, partitions)]
    while ends[-1] < partitions:
        ends.append(min(2 * ends[-1], partitions))
    return ends


def listed_order(head: list[int], best: list[int]) -> list[int]:
    """The results shown first, then every other one, best first."""
    shown = set(head)
    return head + [doc for doc in best if doc not in shown]


def _best(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda doc: (-scores[doc], doc))


class _Index:
    """The index files as the browser reads them, each once; `read` names those read."""

    def __init__(self, index_dir: Path):
        self.dir = index_dir
        self.manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        self.titles = _numbers(self.manifest["titles"])
        self.read: dict[str, dict] = {}

    def chunk(self, pair: str, partition: int) -> dict[str, str]:
        """The chunk file of this partition that holds the pair's postings, if it has any."""
        name = f"p{partition}/{fnv1a(pair) % self.manifest['partitions'][partition][2]}.json"
        if name not in self.read:
            self.read[name] = json.loads((self.dir / name).read_text(encoding="utf-8"))
        return self.read[name]

    def postings_of(self, pair: str, partitions: range) -> dict[int, list[int]]:
        merged: dict[int, list[int]] = {}
        for number in partitions:
            if pair in (chunk := self.chunk(pair, number)):
                merged.update(_decode(chunk[pair]))
        return merged

    def scores(self, terms: list[str], partitions: range) -> dict[int, float]:
        """The score of each document of these partitions that holds every term (a
        document's score depends on its own text only)."""
        for term in terms:  # the browser reads every term's postings, even after one matched nothing
            for offset, number in itertools.product(covering_offsets(term), partitions):
                self.chunk(term[offset:offset + 2], number)
        boost, kinds = self.manifest["boost"], self.manifest["kinds"]
        scores: dict[int, float] | None = None
        for term in terms:
            matches = match_term(term, lambda pair: self.postings_of(pair, partitions))
            term_scores = {doc: _score(starts, self.titles[doc], boost[kinds[doc]]) for doc, starts in matches.items()}
            scores = term_scores if scores is None else {d: scores[d] + s for d, s in term_scores.items() if d in scores}
        return scores


def _score(starts: list[int], title_length: int, boost: float) -> float:
    in_title = starts[0] < title_length
    return boost * (10 if in_title else 1) * (1 + min(len(starts), 10) / 10)
