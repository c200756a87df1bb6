"""The search index's own encoding, beside the end-to-end checks in test_site and test_browser."""
import random

import numpy as np

from generator import search


def test_postings_round_trip_through_their_varint_strings():
    rng = random.Random(3)
    expected: dict[str, dict[int, list[int]]] = {}
    rows = []
    for pair in ("达成", "预期", "2.", "ab"):
        docs = sorted(rng.sample(range(200_000), 50))  # document numbers far past one digit's 32
        expected[pair] = {doc: sorted(rng.sample(range(5_000_000), rng.randint(1, 6))) for doc in docs}
        key = (ord(pair[0]) << 21) | ord(pair[1])
        rows += [(key, doc, position) for doc, positions in expected[pair].items() for position in positions]
    rows.sort()
    key, doc, position = (np.array(column, dtype=dtype) for column, dtype
                          in zip(zip(*rows), (np.uint64, np.int64, np.int64)))
    decoded = {pair: search._decode(encoded) for pair, encoded in search._encode_all(key, doc, position)}
    assert decoded == expected
    assert all(set(encoded) <= set(search.VARINT_ALPHABET)
               for _, encoded in search._encode_all(key, doc, position))


def test_covering_bigrams_spell_the_whole_term():
    assert search.covering_offsets("人工") == [0]
    assert search.covering_offsets("人工智能") == [0, 2]
    assert search.covering_offsets("达成预期指") == [0, 2, 3]
