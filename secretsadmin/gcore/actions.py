"""The audit actions of Gcore Cloud changes: their names, and what each did, in words.

A change's events name the secret: `region` is the region id, `target` the secret's name and
`target_id` its id (a create learns it only when its task finishes).
"""

PROVIDER = "gcore"  # as the audit log names the provider

SECRET_CREATE = "gcore.secret.create"  # noqa: S105 - an action, not a password
CERTIFICATE_CREATE = "gcore.certificate.create"
SECRET_DELETE = "gcore.secret.delete"  # noqa: S105 - an action, not a password
# A certificate replaced on every listener and pool using it (an operation: `replacements`),
# each switch its own change of the listener or pool (`target` its name, `target_id` its id).
CERTIFICATE_REPLACE = "gcore.certificate.replace"
LISTENER_UPDATE = "gcore.listener.update"
POOL_UPDATE = "gcore.pool.update"
SWITCHES = (LISTENER_UPDATE, POOL_UPDATE)
# Recorded by the watcher (`drift`), outcome `observed`: a secret changed with other tools.
SECRET_EXTERNAL_CHANGE = "gcore.secret.external_change"  # noqa: S105 - an action, not a password

CREATES = (SECRET_CREATE, CERTIFICATE_CREATE)
# After this the secret is gone: a secret of that name is another one.
REMOVALS = (SECRET_DELETE,)
# "eddie uploaded the certificate www-example-com"
DONE = {
    SECRET_CREATE: "created the secret",
    CERTIFICATE_CREATE: "uploaded the certificate",
    SECRET_DELETE: "deleted the secret",
}
# What a secret's history says of the changes naming it, the replacements of it among them.
HISTORY = {
    **DONE,
    CERTIFICATE_REPLACE: "replaced the certificate on its listeners and pools",
    SECRET_EXTERNAL_CHANGE: "saw a change made outside the dashboard",
}
