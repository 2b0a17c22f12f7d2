from django.conf import settings
from django.http import HttpRequest


def providers(request: HttpRequest) -> dict[str, object]:
    """Which providers have a token, so every page can say plainly when none has."""
    configured = {
        "pipecat": bool(settings.PIPECAT_ACCOUNTS),
        "gcore": bool(settings.GCORE_ACCOUNTS),
    }
    return {
        "demo_mode": settings.DEMO_MODE,
        "providers_configured": configured,
        "no_provider_configured": not any(configured.values()),
    }
