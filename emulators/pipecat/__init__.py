"""Emulator of the Pipecat Cloud API: secrets (sets, keys, regions, properties) and the agents
that bind them."""

from .app import PipecatEmulator
from .seed import DEMO_ORG, seed_demo, seed_many

__all__ = ["DEMO_ORG", "PipecatEmulator", "seed_demo", "seed_many"]
