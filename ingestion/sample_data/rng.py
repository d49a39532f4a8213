"""Deterministic random streams: one independent numpy Generator per named simulation step."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RngFactory:
    """Derives a fresh Generator per step name, so that changing one step does not shift the others."""

    seed: int

    def get(self, name: str) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, zlib.crc32(name.encode())]))

    def int_seed(self, name: str) -> int:
        return int(self.get(name).integers(0, 2**31 - 1))
