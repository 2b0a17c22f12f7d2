"""Django set up for a bench that runs the dashboard in its own process against both emulators:
a scratch SQLite database, the one Pipecat account `prod` and the one Gcore account `bench`."""

import os
import tempfile


def setup_django(
    pipecat_url: str,
    gcore_url: str,
    *,
    name: str,
    pipecat_token: str,
    gcore_key: str,
    project_id: int,
    region_id: int,
    **settings: str,
) -> None:
    """Points the settings at the emulators (none of the caller's PIPECAT_, GCORE_ or WATCH_
    variables is kept: the bench measures the defaults, or `settings`) and migrates."""
    for variable in [n for n in os.environ if n.startswith(("PIPECAT_", "GCORE_", "WATCH_"))]:
        del os.environ[variable]
    data = tempfile.mkdtemp(prefix=f"{name}-bench-")
    os.environ.update(
        SECRET_KEY="bench-only-" + "x" * 40,
        DJANGO_SETTINGS_MODULE="secretsadmin.settings",
        DATA_DIR=data,
        DATABASE_URL=f"sqlite:///{data}/db.sqlite3",
        LOG_LEVEL="warning",
        PIPECAT_ACCOUNTS="prod",
        PIPECAT_PROD_API_KEY=pipecat_token,
        PIPECAT_PROD_API_URL=pipecat_url,
        GCORE_ACCOUNTS="bench",
        GCORE_BENCH_API_KEY=gcore_key,
        GCORE_BENCH_API_URL=gcore_url,
        GCORE_BENCH_PROJECT=str(project_id),
        GCORE_BENCH_REGIONS=str(region_id),
        **settings,
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
