"""Projects and regions: fixed reference data an API key may address."""

from dataclasses import dataclass
from datetime import UTC, datetime

from .timefmt import isoformat

# Catalogue entries predate any secret; one fixed date keeps answers stable between runs.
_CATALOGUE_CREATED = datetime(2023, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    is_default: bool = False
    description: str | None = None

    def to_api(self, client_id: int) -> dict:
        return {
            "id": self.id,
            "client_id": client_id,
            "name": self.name,
            "description": self.description,
            "is_default": self.is_default,
            "state": "ACTIVE",
            "created_at": isoformat(_CATALOGUE_CREATED),
            "deleted_at": None,
            "task_id": None,
        }


@dataclass(frozen=True)
class Region:
    id: int
    display_name: str
    slug: str
    country: str
    zone: str = "EMEA"
    latitude: str = "0.0"
    longitude: str = "0.0"
    state: str = "ACTIVE"  # or NEW, MAINTENANCE, INACTIVE, DELETING, DELETED...

    def to_api(self) -> dict:
        created = isoformat(_CATALOGUE_CREATED)
        return {
            "id": self.id,
            "display_name": self.display_name,
            "slug": self.slug,
            "keystone_name": self.slug,
            "keystone_id": self.id,
            "country": self.country,
            "zone": self.zone,
            "coordinates": {"latitude": self.latitude, "longitude": self.longitude},
            "access_level": "core",
            "endpoint_type": "public",
            "state": self.state,
            "created_at": created,
            "created_on": created,
            "available_volume_types": ["standard", "ssd_hiiops", "cold"],
            "file_share_types": ["standard"],
            "external_network_id": None,
            "metrics_database_id": None,
            "ddos_endpoint_id": None,
            "task_id": None,
            "vlan_physical_network": "physnet1",
            "has_ai": False,
            "has_ai_gpu": False,
            "has_baremetal": True,
            "has_basic_vm": True,
            "has_dbaas": True,
            "has_ddos": True,
            "has_k8s": True,
            "has_kvm": True,
            "has_sfs": True,
        }


DEFAULT_PROJECTS = (
    Project(1, "Default", is_default=True, description="Production workloads"),
    Project(2, "Staging", description="Pre-production"),
)

# Illustrative ids and names; region 76 is the one the vendor's examples use.
DEFAULT_REGIONS = (
    Region(76, "Luxembourg-2", "luxembourg-2", "LU", latitude="49.6116", longitude="6.1319"),
    Region(3, "Luxembourg", "luxembourg-1", "LU", latitude="49.6116", longitude="6.1319"),
    Region(38, "Frankfurt", "frankfurt-1", "DE", latitude="50.1109", longitude="8.6821"),
    Region(116, "Santa Clara", "santa-clara-1", "US", "AMERICAS", "37.3541", "-121.9552"),
)
