"""The fault matrix's world, and its table printed at the end of the run.

Both providers' emulators run in process behind the dashboard's account `prod`, each on its
manual clock: a retry's wait, a Retry-After and a fault's delay move the clock instead of
sleeping, so a cell costs no real time. Each cell of `test_fault_matrix.py` records whether it
held; `pytest_terminal_summary` prints them as operations by faults, with the total passed.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from emulators.transport import EmulatorTransport
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from secretsadmin.providers.pipecat.config import PipecatAccount
from tests.fixtures import gcore, pipecat

ACCOUNT = "prod"


@pytest.fixture
def providers(settings, pipecat_app, pipecat_clock, gcore_app, gcore_clock) -> Iterator[None]:
    """`prod` of each provider, on its emulator: Pipecat's organisation, and Gcore's project 1
    in regions 76 and 38. Timeouts as configured by default: 5 s to connect, 15 s per answer."""
    settings.PIPECAT_ACCOUNTS = (
        PipecatAccount(ACCOUNT, pipecat.API_HOST, Secret(pipecat.PIPECAT_TOKEN)),
    )
    settings.PIPECAT_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.PIPECAT_TRANSPORT = EmulatorTransport(pipecat_app)
    settings.PIPECAT_SLEEP = pipecat_clock.sleep
    regions = (gcore.REGION_ID, gcore.OTHER_REGION_ID)
    settings.GCORE_ACCOUNTS = (
        GcoreAccount(ACCOUNT, gcore.API_HOST, Secret(gcore.GCORE_KEY), gcore.PROJECT_ID, regions),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.GCORE_TRANSPORT = EmulatorTransport(gcore_app)
    settings.GCORE_SLEEP = gcore_clock.advance
    yield


# -- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a cell sits in the table: its row and column, in the order they are declared."""

    row: int
    operation: str
    column: int
    fault: str


_held: dict[Place, bool] = {}
_cells: set[Place] = set()


def declare(places: list[Place]) -> None:
    """The table's cells: those not declared are faults that do not apply to the operation."""
    _cells.update(places)


def _place(item: pytest.Item) -> Place | None:
    callspec = getattr(item, "callspec", None)
    cell = callspec.params.get("cell") if callspec else None
    place = getattr(cell, "place", None)
    return place if isinstance(place, Place) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    place = _place(item)
    if place is not None and (report.when == "call" or report.failed):
        # A failure in setup or teardown fails the cell too; a pass needs the call to pass.
        _held[place] = _held.get(place, True) and report.passed
    return report


def pytest_terminal_summary(terminalreporter) -> None:
    if not _held:
        return
    rows = sorted({(p.row, p.operation) for p in _cells})
    columns = sorted({(p.column, p.fault) for p in _cells})
    cells = {(p.row, p.column) for p in _cells}
    by_cell = {(p.row, p.column): held for p, held in _held.items()}
    width = max(len(name) for _, name in rows)
    header = " ".join(f"{name:^{max(len(name), 1)}}" for _, name in columns)
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", "fault matrix: operations by faults")
    write(f"{'':{width}}  {header}")
    for row, operation in rows:
        marks = []
        for column, fault in columns:
            held = by_cell.get((row, column))
            if held is None:
                mark = " " if (row, column) in cells else "·"  # not run, or not a cell
            else:
                mark = "✓" if held else "✗"
            marks.append(f"{mark:^{len(fault)}}")
        write(f"{operation:{width}}  {' '.join(marks)}")
    passed = sum(_held.values())
    write(
        f"cells passed: {passed} of {len(_held)} run ({len(_cells)} in the table; "
        "· where the fault does not apply)"
    )
