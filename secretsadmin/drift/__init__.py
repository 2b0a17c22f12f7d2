"""Changes made outside the dashboard (drift): what each provider holds, compared each watcher
round with what the watcher last saw, and every difference the dashboard's own attempts do not
account for recorded in the audit log as an `observed` event.

The core here knows nothing of any provider: each provider's `drift` module lists its things as
`Thing`s, says in words what changed, and which of the dashboard's own attempts explain a change.
"""
