"""Both emulators on loopback, seeded with believable data: the dashboard's demo mode."""

from dataclasses import dataclass

from .gcore import (
    DEFAULT_PROJECTS,
    DEMO_API_KEY,
    DEMO_PROJECT_ID,
    DEMO_STAGING_API_KEY,
    DEMO_STAGING_PROJECT_ID,
    GcoreEmulator,
)
from .gcore import seed_demo as seed_gcore
from .pipecat import DEMO_ORG, PipecatEmulator
from .pipecat import seed_demo as seed_pipecat
from .server import EmulatorServer

PIPECAT_DEMO_TOKEN = "pk_demo_emulated_pipecat_token"  # noqa: S105 - accepted only by the emulator
# Luxembourg-2 and Frankfurt: the CDN origin's certificate is in Frankfurt.
GCORE_PROD_REGIONS = (76, 38)


@dataclass
class Demo:
    pipecat: EmulatorServer
    gcore: EmulatorServer

    def environment(self) -> dict[str, str]:
        """What points the dashboard at these servers."""
        return {
            "DEMO_MODE": "true",
            "PIPECAT_API_URL": self.pipecat.url,
            "PIPECAT_API_KEY": PIPECAT_DEMO_TOKEN,
            "GCORE_ACCOUNTS": "prod,staging",
            "GCORE_PROD_API_URL": self.gcore.url,
            "GCORE_PROD_API_KEY": DEMO_API_KEY,
            "GCORE_PROD_PROJECT": str(DEMO_PROJECT_ID),
            "GCORE_PROD_REGIONS": ",".join(map(str, GCORE_PROD_REGIONS)),
            # No regions: staging uses every region the API lists.
            "GCORE_STAGING_API_URL": self.gcore.url,
            "GCORE_STAGING_API_KEY": DEMO_STAGING_API_KEY,
            "GCORE_STAGING_PROJECT": str(DEMO_STAGING_PROJECT_ID),
        }

    def stop(self) -> None:
        self.pipecat.stop()
        self.gcore.stop()


def start(
    host: str = "127.0.0.1", pipecat_port: int = 0, gcore_port: int = 0, latency: float = 0.0
) -> Demo:
    """`latency`: seconds each emulator adds to every answer, as a distant API would."""
    pipecat = PipecatEmulator({PIPECAT_DEMO_TOKEN: DEMO_ORG}, provisioning_delay=8.0)
    seed_pipecat(pipecat)
    gcore = GcoreEmulator(
        {
            DEMO_API_KEY: [p.id for p in DEFAULT_PROJECTS],
            DEMO_STAGING_API_KEY: [DEMO_STAGING_PROJECT_ID],
        }
    )
    seed_gcore(gcore)
    pipecat.latency = gcore.latency = latency
    return Demo(
        EmulatorServer(pipecat, host, pipecat_port).start(),
        EmulatorServer(gcore, host, gcore_port).start(),
    )
