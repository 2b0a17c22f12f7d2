"""The watcher job streaming the audit log off the box, each round, every sink on its own."""

from django.conf import settings

from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import jobs

from .stream import stream


@jobs.job("audit_stream")
def audit_stream(context: Context) -> None:
    for sink in settings.AUDIT_SINKS:
        if not context.leading():
            return
        stream(sink, go_on=context.leading, ends=context.ends)
