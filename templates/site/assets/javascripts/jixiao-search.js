/* jixiao search worker: exact Chinese substring search over a chunked bigram index.
 * It speaks mkdocs-material's search worker protocol (SETUP 0 → READY 1, QUERY 2 →
 * RESULT 3), so the theme's search box, first results and highlighting work unchanged;
 * a RESULT also carries the number of matches (`count`) and whether the query was too
 * short (`short`). A frequent word's first results come from the first partitions of the
 * index alone (`counting`: the count is of those so far); once the page half
 * (jixiao-search-box.js) has shown them it sends REST 102, the other partitions are read
 * and COUNT 103 gives the exact count. The page half asks for further results with
 * MORE 100 → MORE_RESULT 101. The algorithms mirror generator/render/search.py (answer,
 * match_term, snippet), which tests compare with a plain substring scan. */
"use strict";

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3, MORE = 100, MORE_RESULT = 101, REST = 102, COUNT = 103;
const INDEX = new URL("../../search/", self.location.href);
const SITE = new URL("../../", self.location.href);
const FIRST_PAGE = 10;  // generator/render/search.py; the theme shows these at once, the page half loads the rest
const TEXT_FILE = "search.txt";  // generator/render/search.py: TEXT_FILE
const SNIPPET_BEFORE = 24, SNIPPET_SNAP = 8, SNIPPET_LENGTH = 80;  // generator/render/search.py
let manifest = null;
let current = null;  // the last query: {text, terms, ranked, scores, head, searched, finished}
const chunks = new Map();
const blocks = new Map();
const texts = new Map();
let queue = Promise.resolve();

function normalize(text) {
  return text.normalize("NFKC").toLowerCase();
}

function fnv1a(text) {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value >>> 0;
}

function fetchOnce(url, cache, key, read) {
  if (!cache.has(key)) {
    cache.set(key, fetch(url).then(response => {
      if (!response.ok) throw new Error(`${response.status} ${url}`);
      return read(response);
    }));
  }
  return cache.get(key);
}

function fetchJSON(path, cache, key) {
  return fetchOnce(new URL(path, INDEX), cache, key, response => response.json());
}

/* A page's visible text (its title line first), written beside it by the site builder. */
function fetchText(location) {
  return fetchOnce(new URL(location + TEXT_FILE, SITE), texts, location, response => response.text());
}

/* Postings are base-32 varints (generator/render/search.py: VARINT_ALPHABET): digits most
 * significant first, the last one marked by adding 32. */
const VARINT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const VARINT_CODES = new Int8Array(128).fill(-1);
for (let i = 0; i < VARINT_ALPHABET.length; i++) VARINT_CODES[VARINT_ALPHABET.charCodeAt(i)] = i;

function numbers(encoded) {
  const out = [];
  let value = 0;
  for (let i = 0; i < encoded.length; i++) {
    const code = VARINT_CODES[encoded.charCodeAt(i)];
    if (code < 32) value = value * 32 + code;
    else { out.push(value * 32 + code - 32); value = 0; }
  }
  return out;
}

function decode(encoded) {
  const flat = numbers(encoded);
  const docs = new Map();
  let i = 0, doc = 0;
  while (i < flat.length) {
    doc += flat[i];
    const count = flat[i + 1];
    const positions = [flat[i + 2]];
    for (let j = 1; j < count; j++) positions.push(positions[j - 1] + flat[i + 2 + j]);
    docs.set(doc, positions);
    i += 2 + count;
  }
  return docs;
}

/* The documents and positions of one bigram, gathered from these partitions of the index. */
async function postings(pair, partitions) {
  const hash = fnv1a(pair);
  const parts = await Promise.all(partitions.map(number => {
    const name = `p${number}/${hash % manifest.partitions[number][2]}.json`;
    return fetchJSON(name, chunks, name);
  }));
  const merged = new Map();
  for (const part of parts) {
    if (part[pair] !== undefined) for (const [doc, positions] of decode(part[pair])) merged.set(doc, positions);
  }
  return merged;
}

/* Every other bigram of the term, and the last: found at these distances they spell
 * the whole term (mirrors covering_offsets in generator/render/search.py). */
function coveringOffsets(term) {
  const offsets = [];
  for (let i = 0; i + 1 < term.length; i += 2) offsets.push(i);
  if (offsets[offsets.length - 1] !== term.length - 2) offsets.push(term.length - 2);
  return offsets;
}

async function matchTerm(term, partitions) {
  const offsets = coveringOffsets(term);
  const lists = await Promise.all(offsets.map(offset => postings(term.slice(offset, offset + 2), partitions)));
  if (lists.some(list => list.size === 0)) return new Map();
  const matches = new Map();
  for (const [doc, positions] of lists[0]) {
    if (!lists.every(list => list.has(doc))) continue;
    const later = lists.slice(1).map((list, i) => [offsets[i + 1], new Set(list.get(doc))]);
    const starts = positions.filter(p => later.every(([offset, set]) => set.has(p + offset)));
    if (starts.length) matches.set(doc, starts);
  }
  return matches;
}

function score(doc, starts) {
  const inTitle = starts[0] < manifest.titleLengths[doc];
  return manifest.boost[manifest.kinds[doc]] * (inTitle ? 10 : 1) * (1 + Math.min(starts.length, 10) / 10);
}

function escapeHTML(text) {
  return text.replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

/* Where each term occurs in the text, compared as normalized characters: the
 * characters' own offsets, so that the reader sees the page's text (full-width, upper case). */
function fold(text) {
  let folded = "";
  const origin = [];
  for (let i = 0; i < text.length; i++) {
    const piece = normalize(text[i]);
    folded += piece;
    for (let j = 0; j < piece.length; j++) origin.push(i);
  }
  origin.push(text.length);
  return { folded, origin };
}

function marksOf(text, terms) {
  const { folded, origin } = fold(text);
  const marks = new Array(text.length).fill(false);
  let first = text.length;
  for (const term of terms) {
    let at = folded.indexOf(term);
    if (at !== -1) first = Math.min(first, origin[at]);
    while (at !== -1) {
      for (let i = origin[at]; i < origin[at + term.length]; i++) marks[i] = true;
      at = folded.indexOf(term, at + 1);
    }
  }
  return { marks, first };
}

function marked(text, marks, start, end) {
  let html = "", open = false;
  for (let i = start; i < end; i++) {
    if (marks[i] !== open) { html += marks[i] ? "<mark>" : "</mark>"; open = marks[i]; }
    html += text[i] === "\n" ? " · " : escapeHTML(text[i]);
  }
  return open ? html + "</mark>" : html;
}

function highlight(title, terms) {
  return marked(title, marksOf(title, terms).marks, 0, title.length);
}

/* SNIPPET_BEFORE characters before the match, moved back to the start of its cell when
 * that is a few characters further, or on to the next cell (mirrors generator/render/search.py). */
function snippetStart(body, first) {
  const start = first - SNIPPET_BEFORE;
  if (start <= 0) return 0;
  const cell = body.lastIndexOf("\n", start - 1) + 1;
  if (start - cell <= SNIPPET_SNAP) return cell;
  const next = body.indexOf("\n", start);
  return next !== -1 && next < first ? next + 1 : start;
}

/* The page's text around the first match below its title line (mirrors snippet() in
 * generator/render/search.py). */
function snippet(text, terms) {
  const cut = text.indexOf("\n");
  const body = cut === -1 ? "" : text.slice(cut + 1);
  const { marks, first } = marksOf(body, terms);
  const start = first < body.length ? snippetStart(body, first) : 0;
  const end = Math.min(body.length, start + SNIPPET_LENGTH);
  return (start > 0 ? "…" : "") + marked(body, marks, start, end) + (end < body.length ? "…" : "");
}

/* The score of each document of these partitions that holds every term (a document's
 * score depends on its own text only). */
async function scoresIn(terms, partitions) {
  let scores = null;
  for (const term of terms) {
    const matches = await matchTerm(term, partitions);
    const next = new Map();
    for (const [doc, starts] of matches) {
      if (scores === null) next.set(doc, score(doc, starts));
      else if (scores.has(doc)) next.set(doc, scores.get(doc) + score(doc, starts));
    }
    scores = next;
  }
  return scores;
}

function best(scores) {
  return [...scores.keys()].sort((a, b) => scores.get(b) - scores.get(a) || a - b);
}

function numbersFrom(from, to) {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/* The results shown first, then every other one, best first (listed_order in search.py). */
function listedOrder(head, ranked) {
  const shown = new Set(head);
  return head.concat(ranked.filter(doc => !shown.has(doc)));
}

/* How many partitions are searched, at most, before the first results show: 1, 2, 4… all
 * (stages() in generator/render/search.py). */
function stages(partitions) {
  const ends = [Math.min(1, partitions)];
  while (ends[ends.length - 1] < partitions) ends.push(Math.min(2 * ends[ends.length - 1], partitions));
  return ends;
}

/* Reads the partitions not searched yet and ranks every result; once per query. After
 * first results from some partitions only, sends the exact count. */
function finish(query) {
  query.finished ??= scoresIn(query.terms, numbersFrom(query.searched, manifest.partitions.length)).then(rest => {
    for (const [doc, value] of rest) query.scores.set(doc, value);
    query.ranked = listedOrder(query.head, best(query.scores));
    if (query.counting) postMessage({ type: COUNT, data: { query: query.text, count: query.ranked.length } });
  });
  return query.finished;
}

/* The theme's result items for ranked[from, from + size): titles from the metadata
 * blocks, snippets from the pages' texts. */
async function items(query, from, size) {
  const docs = query.ranked.slice(from, from + size);
  const metadata = await Promise.all(docs.map(doc => fetchJSON(
    `d/${Math.floor(doc / manifest.block)}.json`, blocks, Math.floor(doc / manifest.block))));
  const found = Object.fromEntries(query.terms.map(term => [term, true]));
  return Promise.all(docs.map(async (doc, i) => {
    const meta = metadata[i][doc % manifest.block];
    let text = "";
    try {
      text = snippet(await fetchText(meta.u), query.terms);
    } catch (error) {  // a page without its text (an older build): the result still shows
      console.warn("jixiao search:", error);
    }
    return [{ location: meta.u, title: highlight(meta.t, query.terms), text: text && `<p>${text}</p>`,
              score: query.scores.get(doc), terms: found }];
  }));
}

/* The first results: the best of the first partitions that hold a page of them, to be
 * followed by the rest (see Answer in generator/render/search.py). */
async function search(text) {
  const terms = normalize(text).split(/\s+/).filter(term => term.length >= 2);
  if (!terms.length || !manifest) return { query: text, items: [], count: 0, short: text.trim().length > 0 };
  const query = { text, terms, scores: new Map(), searched: 0 };
  current = query;
  for (const end of stages(manifest.partitions.length)) {
    for (const [doc, value] of await scoresIn(terms, numbersFrom(query.searched, end))) query.scores.set(doc, value);
    query.searched = end;
    if (query.scores.size >= FIRST_PAGE) break;
  }
  query.head = best(query.scores).slice(0, FIRST_PAGE);
  query.ranked = query.head;
  query.counting = query.searched < manifest.partitions.length;
  if (!query.counting) await finish(query);
  return { query: text, items: await items(query, 0, FIRST_PAGE), count: query.scores.size, counting: query.counting };
}

async function more({ query, from, size }) {
  if (!current || current.text !== query) return { query, from, items: [], count: 0 };
  await finish(current);
  return { query, from, items: await items(current, from, size), count: current.ranked.length };
}

async function handle(message) {
  switch (message.type) {
    case SETUP:
      manifest = await fetchJSON("manifest.json", new Map(), "manifest");
      manifest.titleLengths = numbers(manifest.titles);
      return { type: READY };
    case QUERY:
      try {
        return { type: RESULT, data: await search(message.data) };
      } catch (error) {
        console.warn("jixiao search:", error);
        return { type: RESULT, data: { items: [], count: 0 } };
      }
    case MORE:
      return { type: MORE_RESULT, data: await more(message.data) };
    case REST:  // not awaited: a query typed meanwhile need not wait for this one's count
      if (current && current.text === message.data.query) finish(current).catch(error => console.warn("jixiao search:", error));
      return null;
    default:
      throw new TypeError("Invalid message type");
  }
}

addEventListener("message", event => {
  // Messages are answered in order; one that fails does not stop those after it.
  queue = queue.then(() => handle(event.data)).then(reply => reply && postMessage(reply),
                                                     error => console.warn("jixiao search:", error));
});
