"""An emulator of the Gcore Cloud secrets API (secrets, tasks, regions, projects, the load
balancers, listeners and pools that use the secrets, and the user-action log of their changes)."""

from .app import DEFAULT_TASK_ERROR, GcoreEmulator
from .catalog import DEFAULT_PROJECTS, DEFAULT_REGIONS, Project, Region
from .seed import (
    DEMO_API_KEY,
    DEMO_PROJECT_ID,
    DEMO_REGION_ID,
    DEMO_STAGING_API_KEY,
    DEMO_STAGING_PROJECT_ID,
    seed_demo,
    seed_many,
)

__all__ = [
    "DEFAULT_PROJECTS",
    "DEFAULT_REGIONS",
    "DEFAULT_TASK_ERROR",
    "DEMO_API_KEY",
    "DEMO_PROJECT_ID",
    "DEMO_REGION_ID",
    "DEMO_STAGING_API_KEY",
    "DEMO_STAGING_PROJECT_ID",
    "GcoreEmulator",
    "Project",
    "Region",
    "seed_demo",
    "seed_many",
]
