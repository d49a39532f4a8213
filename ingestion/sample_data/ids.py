"""Vectorised identifier helpers (uuids, hex and base64 tokens, sequential ids, IPv4 addresses).

The ``*_chars`` functions return (n, k) uint8 matrices of ASCII codes, which the writers turn into Arrow
string arrays without creating Python objects; the other functions return object arrays of str.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_B64URL = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)
_ALNUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
_OCTETS = np.array([str(i) for i in range(256)], dtype=object)


def chars_to_str(chars: np.ndarray) -> np.ndarray:
    """(n, k) uint8 array of ASCII codes -> (n,) object array of str."""
    n, k = chars.shape
    if n == 0:
        return np.array([], dtype=object)
    return np.ascontiguousarray(chars).view(f"S{k}").ravel().astype(f"U{k}").astype(object)


def hex_chars(rng: np.random.Generator, n: int, length: int, upper: bool = False) -> np.ndarray:
    return (_HEX_UPPER if upper else _HEX)[rng.integers(0, 16, size=(n, length))]


def hex_tokens(rng: np.random.Generator, n: int, length: int, upper: bool = False) -> np.ndarray:
    return chars_to_str(hex_chars(rng, n, length, upper))


def b64_chars(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    return _B64URL[rng.integers(0, 64, size=(n, length))]


def alnum_tokens(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    return chars_to_str(_ALNUM[rng.integers(0, len(_ALNUM), size=(n, length))])


def uuid4_chars(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random RFC 4122 version-4 UUIDs (lower-case, dashed) as an (n, 36) ASCII matrix."""
    digits = rng.integers(0, 16, size=(n, 32))
    digits[:, 12] = 4
    digits[:, 16] = 8 + (digits[:, 16] & 3)
    hexchars = _HEX[digits]
    out = np.empty((n, 36), dtype=np.uint8)
    out[:, 0:8] = hexchars[:, 0:8]
    out[:, 9:13] = hexchars[:, 8:12]
    out[:, 14:18] = hexchars[:, 12:16]
    out[:, 19:23] = hexchars[:, 16:20]
    out[:, 24:36] = hexchars[:, 20:32]
    out[:, [8, 13, 18, 23]] = ord("-")
    return out


def sequential_ids(prefix: str, n: int, width: int, start: int = 1) -> np.ndarray:
    """'P0000001', 'P0000002', ... as an object array (empty for n == 0)."""
    return np.array([f"{prefix}{i:0{width}d}" for i in range(start, start + n)], dtype=object)


def zpad(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded strings."""
    return np.array([f"{int(v):0{width}d}" for v in np.asarray(values).ravel()], dtype=object)


def ipv4(rng: np.random.Generator, first_octets: np.ndarray) -> np.ndarray:
    """Dotted IPv4 strings with the given first octets (other octets random)."""
    n = len(first_octets)
    rest = rng.integers(0, 256, size=(n, 3))
    rest[:, 2] = rng.integers(1, 255, size=n)
    return (
        _OCTETS[np.asarray(first_octets)]
        + "."
        + _OCTETS[rest[:, 0]]
        + "."
        + _OCTETS[rest[:, 1]]
        + "."
        + _OCTETS[rest[:, 2]]
    )


@dataclass
class IdCounter:
    """The next number of each sequential id series ('P', 'CON-', ...).

    A population simulated in chunks (generator.py) passes one counter from chunk to chunk, so every chunk's
    ids continue where the previous chunk's stopped and stay unique; a fresh counter starts every series at 1,
    as an unchunked run always did.
    """

    next: dict[str, int] = field(default_factory=dict)

    def take(self, series: str, n: int) -> int:
        """Reserve ``n`` numbers of ``series``; returns the first."""
        start = self.next.get(series, 1)
        self.next[series] = start + int(n)
        return start
