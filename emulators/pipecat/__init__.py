"""Emulator of the Pipecat Cloud secrets API (sets, keys, regions, properties)."""

from .app import PipecatEmulator
from .seed import DEMO_ORG, seed_demo, seed_many

__all__ = ["DEMO_ORG", "PipecatEmulator", "seed_demo", "seed_many"]
