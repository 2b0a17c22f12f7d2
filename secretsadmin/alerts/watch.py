"""The watcher job sending the alerts raised to their channels."""

from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import jobs

from .deliveries import deliver


@jobs.job("alert_deliveries")
def alert_deliveries(context: Context) -> None:
    deliver(go_on=context.leading, ends=context.ends)
