/* jixiao search worker: exact Chinese substring search over a chunked bigram index.
 * It speaks mkdocs-material's search worker protocol (SETUP 0 → READY 1, QUERY 2 →
 * RESULT 3), so the theme's search box, result list and highlighting work unchanged.
 * The algorithm mirrors generator/search.py (query, match_term), which tests compare
 * with a plain substring scan. */
"use strict";

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
const INDEX = new URL("../../search/", self.location.href);
const MAX_RESULTS = 100;
let manifest = null;
const chunks = new Map();
const blocks = new Map();
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

function fetchJSON(path, cache, key) {
  if (!cache.has(key)) {
    cache.set(key, fetch(new URL(path, INDEX)).then(response => {
      if (!response.ok) throw new Error(`${response.status} ${path}`);
      return response.json();
    }));
  }
  return cache.get(key);
}

/* Postings are base-32 varints (generator/search.py: VARINT_ALPHABET): digits most
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

/* The documents and positions of one bigram, gathered from every partition of the index. */
async function postings(pair) {
  const hash = fnv1a(pair);
  const parts = await Promise.all(manifest.partitions.map(([, , count], number) => {
    const name = `p${number}/${hash % count}.json`;
    return fetchJSON(name, chunks, name);
  }));
  const merged = new Map();
  for (const part of parts) {
    if (part[pair] !== undefined) for (const [doc, positions] of decode(part[pair])) merged.set(doc, positions);
  }
  return merged;
}

/* Every other bigram of the term, and the last: found at these distances they spell
 * the whole term (mirrors covering_offsets in generator/search.py). */
function coveringOffsets(term) {
  const offsets = [];
  for (let i = 0; i + 1 < term.length; i += 2) offsets.push(i);
  if (offsets[offsets.length - 1] !== term.length - 2) offsets.push(term.length - 2);
  return offsets;
}

async function matchTerm(term) {
  const offsets = coveringOffsets(term);
  const lists = await Promise.all(offsets.map(offset => postings(term.slice(offset, offset + 2))));
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
  const inTitle = starts[0] < manifest.titles[doc];
  return manifest.boost[doc] * (inTitle ? 10 : 1) * (1 + Math.min(starts.length, 10) / 10);
}

function escapeHTML(text) {
  return text.replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function highlight(title, terms) {
  const lower = normalize(title);
  const marks = new Array(title.length).fill(false);
  for (const term of terms) {
    let at = lower.indexOf(term);
    while (at !== -1) {
      for (let i = at; i < at + term.length && i < marks.length; i++) marks[i] = true;
      at = lower.indexOf(term, at + 1);
    }
  }
  let html = "", open = false;
  for (let i = 0; i < title.length; i++) {
    if (marks[i] !== open) { html += marks[i] ? "<mark>" : "</mark>"; open = marks[i]; }
    html += escapeHTML(title[i]);
  }
  return open ? html + "</mark>" : html;
}

async function search(text) {
  const terms = normalize(text).split(/\s+/).filter(term => term.length >= 2);
  if (!terms.length || !manifest) return { items: [] };
  let scores = null;
  for (const term of terms) {
    const matches = await matchTerm(term);
    const next = new Map();
    for (const [doc, starts] of matches) {
      if (scores === null) next.set(doc, score(doc, starts));
      else if (scores.has(doc)) next.set(doc, scores.get(doc) + score(doc, starts));
    }
    scores = next;
  }
  const ranked = [...scores.keys()].sort((a, b) => scores.get(b) - scores.get(a) || a - b).slice(0, MAX_RESULTS);
  const numbers = [...new Set(ranked.map(doc => Math.floor(doc / manifest.block)))];
  const fetched = await Promise.all(numbers.map(number => fetchJSON(`d/${number}.json`, blocks, number)));
  const metadata = new Map(numbers.map((number, i) => [number, fetched[i]]));
  const found = Object.fromEntries(terms.map(term => [term, true]));
  const items = ranked.map(doc => {
    const meta = metadata.get(Math.floor(doc / manifest.block))[doc % manifest.block];
    return [{ location: meta.u, title: highlight(meta.t, terms), text: escapeHTML(meta.s),
              score: scores.get(doc), terms: found }];
  });
  return { items, count: scores.size };
}

async function handle(message) {
  switch (message.type) {
    case SETUP:
      manifest = await fetchJSON("manifest.json", new Map(), "manifest");
      return { type: READY };
    case QUERY:
      try {
        return { type: RESULT, data: await search(message.data) };
      } catch (error) {
        console.warn("jixiao search:", error);
        return { type: RESULT, data: { items: [] } };
      }
    default:
      throw new TypeError("Invalid message type");
  }
}

addEventListener("message", event => {
  queue = queue.then(() => handle(event.data)).then(reply => postMessage(reply));
});
