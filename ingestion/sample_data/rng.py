"""Deterministic random streams: one independent numpy Generator per named simulation step."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RngFactory:
    """Derives a fresh Generator per step name, so that changing one step does not shift the others.

    ``chunk`` numbers the slices of people a large population is simulated in (generator.py): chunk 0 draws
    the streams an unchunked run always drew, so data up to one chunk stays as it was; later chunks get
    streams of their own, so they are not copies of the first.
    """

    seed: int
    chunk: int = 0

    def get(self, name: str) -> np.random.Generator:
        key = [self.seed, zlib.crc32(name.encode())]
        return np.random.default_rng(np.random.SeedSequence(key if self.chunk == 0 else [*key, self.chunk]))

    def for_chunk(self, chunk: int) -> RngFactory:
        return RngFactory(self.seed, chunk)

    def int_seed(self, name: str) -> int:
        return int(self.get(name).integers(0, 2**31 - 1))
