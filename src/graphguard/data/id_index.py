"""Original node ids -> row numbers with a vectorised hash join (no Python dict over 10^8 keys).

Ids become 64-bit keys: integer ids are used as they are; string ids of up to 7 bytes are packed
into the key exactly (fixed-width ones, as generated or zero-padded ids are, with one strided copy);
longer ones are hashed word by word straight from the Arrow buffers (8 bytes at a time, splitmix64
mixing), so no Python string object is ever created. The keys go into an open-addressing table (linear probing, load <= 1/4) built and
probed with whole-array numpy operations: each round resolves every key that found its slot, and
rounds repeat only for the few that collided.

A 64-bit hash can collide. Collisions among the node ids are detected at build time and named in
the error; the chance that an id missing from the node table hashes onto an existing one is about
``N / 2**64`` per id (1e-12 for ten million nodes).
"""

from __future__ import annotations

import numpy as np

from graphguard.errors import DataError

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit affects every output bit."""
    with np.errstate(over="ignore"):
        y = x >> np.uint64(30)  # in place from here: one temporary instead of five
        y ^= x
        y *= _M1
        y ^= y >> np.uint64(27)
        y *= _M2
        y ^= y >> np.uint64(31)
        return y


SHORT = 7  # ids of at most 7 bytes are packed, not hashed: their bytes | length << 56 (exact, injective)


def _string_keys(arr) -> np.ndarray:
    import pyarrow as pa

    if pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type):
        off_dtype = np.int64
    else:
        arr = arr.cast(pa.string()) if not pa.types.is_string(arr.type) and not pa.types.is_binary(arr.type) else arr
        off_dtype = np.int32
    n = len(arr)
    if n == 0:
        return np.empty(0, np.uint64)
    bufs = arr.buffers()
    offs = np.frombuffer(bufs[1], dtype=off_dtype)[arr.offset: arr.offset + n + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(0, np.uint8)
    lo, hi = int(offs[0]), int(offs[-1])
    if (hi - lo) % n == 0 and (hi - lo) // n <= SHORT:
        width = (hi - lo) // n
        if np.array_equal(np.diff(offs), np.full(n, width, offs.dtype)):
            # fixed-width short ids (generated or zero-padded ones): one strided copy, no hashing
            packed = np.zeros((n, 8), np.uint8)
            packed[:, :width] = data[lo:hi].reshape(n, width)
            packed[:, 7] = width
            return packed.view("<u8").ravel()
    offs = offs.astype(np.int64)
    start, lens = offs[:-1] - lo, np.diff(offs)
    # pad so that 8-byte loads past the last string stay inside the buffer
    padded = np.zeros(hi - lo + 8, np.uint8)
    padded[: hi - lo] = data[lo:hi]
    words = np.ndarray(shape=(hi - lo + 1,), dtype="<u8", buffer=padded, strides=(1,))  # unaligned 8-byte view
    ulens = lens.astype(np.uint64)
    with np.errstate(over="ignore"):
        first = words[start] & ((np.uint64(1) << np.minimum(ulens, np.uint64(7)) * np.uint64(8)) - np.uint64(1))
        short = lens <= SHORT
        packed = first | (ulens << np.uint64(56))
        if short.all():
            return packed
        h = ulens * _GOLD
        for w in range(int((lens.max() + 7) // 8)):
            rem = lens - 8 * w
            live = rem > 0
            idx = np.where(live, start + 8 * w, 0)
            word = words[idx]
            short_word = rem < 8
            if short_word.any():
                bits = (np.clip(rem, 0, 8) * 8).astype(np.uint64)
                mask = np.where(short_word, (np.uint64(1) << np.minimum(bits, np.uint64(63))) - np.uint64(1),
                                np.uint64(0xFFFFFFFFFFFFFFFF))
                word = word & mask
            h = mix64((h ^ word) + _GOLD * np.uint64(w + 1))
    return np.where(short, packed, h)


def id_keys(arr) -> tuple[np.ndarray, bool]:
    """``(keys, exact)``: uint64 keys of an Arrow array of ids; ``exact`` is False for hashed strings."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        raise ValueError("null ids")
    if pa.types.is_integer(arr.type):
        return arr.to_numpy(zero_copy_only=False).astype(np.int64, copy=False).view(np.uint64), True
    return _string_keys(arr), False


DENSE_FACTOR = 8  # integer ids spanning at most 8 N values get a direct-address table


class IdIndex:
    """A hash table from 64-bit keys to row numbers ``0..N-1`` (the order keys were given).

    With ``exact`` integer keys that span a small range (auto-increment ids, say) the table is a
    direct-address array instead: one gather per lookup.
    """

    def __init__(self, keys: np.ndarray, *, exact: bool = False, on_duplicate=None):
        keys = np.asarray(keys, dtype=np.uint64)
        n = keys.size
        self.dense = None
        self.exact = exact
        if exact and n:
            signed = keys.view(np.int64)
            lo, hi = int(signed.min()), int(signed.max())
            if hi - lo < DENSE_FACTOR * n + 1024:
                self._build_dense(signed, lo, hi, on_duplicate)
                return
        self.bits = max(4, int(np.ceil(np.log2(max(4 * n, 2)))))  # load <= 1/4: short probe runs
        size = 1 << self.bits
        self.mask = size - 1
        self.keys = np.zeros(size, np.uint64)
        self.rows = np.full(size, -1, np.int32 if n < 2**31 - 1 else np.int64)
        self.num_keys = n
        slot = self._slot(keys)
        pending = np.arange(n)
        while pending.size:
            s = slot[pending]
            held = self.rows[s]
            free = held < 0
            same = ~free & (self.keys[s] == keys[pending])
            if same.any():
                i = int(np.flatnonzero(same)[0])
                first, again = int(held[i]), int(pending[i])
                if on_duplicate is not None:
                    on_duplicate(first, again, int(same.sum()))
                raise DataError(None, f"duplicate node id at rows {first} and {again}")
            cand, cs = pending[free], s[free]
            self.rows[cs] = cand  # among keys racing for one slot the last write wins
            won = self.rows[cs] == cand
            self.keys[cs[won]] = keys[cand[won]]
            taken = pending[~free]
            slot[taken] = (slot[taken] + 1) & self.mask  # probe the next slot
            pending = np.concatenate([cand[~won], taken])  # losers retry the same slot

    def _build_dense(self, signed: np.ndarray, lo: int, hi: int, on_duplicate) -> None:
        n = signed.size
        self.lo = lo
        self.dense = np.full(hi - lo + 1, -1, np.int32 if n < 2**31 - 1 else np.int64)
        off = signed - lo
        self.dense[off] = np.arange(n)
        got = self.dense[off]
        if (got != np.arange(n)).any():  # a later row overwrote an earlier one: duplicate id
            again = int(np.flatnonzero(got != np.arange(n))[0])
            first = int(got[again])
            if on_duplicate is not None:
                on_duplicate(again, first, int((got != np.arange(n)).sum()))
            raise DataError(None, f"duplicate node id at rows {again} and {first}")
        self.num_keys = n

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        return (mix64(keys) >> np.uint64(64 - self.bits)).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key (int32 when rows fit), ``-1`` where the key is not in the table."""
        keys = np.asarray(keys, dtype=np.uint64)
        if self.dense is not None:
            off = keys.view(np.int64) - self.lo
            inside = off.view(np.uint64) < np.uint64(self.dense.size)  # negative offsets wrap to huge
            if inside.all():
                return self.dense[off]
            out = np.full(keys.size, -1, self.dense.dtype)
            out[inside] = self.dense[off[inside]]
            return out
        slot = self._slot(keys)
        # first probe for every key at once (load <= 1/4: almost all resolve here), then the rest
        r = self.rows[slot]
        occupied = r >= 0
        hit = occupied & (self.keys[slot] == keys)
        out = np.where(hit, r, r.dtype.type(-1))
        pending = np.flatnonzero(occupied & ~hit)
        slot[pending] = (slot[pending] + 1) & self.mask
        while pending.size:
            s = slot[pending]
            r = self.rows[s]
            occupied = r >= 0
            hit = occupied & (self.keys[s] == keys[pending])
            out[pending[hit]] = r[hit]
            go_on = occupied & ~hit
            pending = pending[go_on]
            slot[pending] = (s[go_on] + 1) & self.mask
        return out
