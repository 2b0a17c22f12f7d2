"""The one background process (`manage.py watch`): periodic jobs run by whichever replica leads.

A job is a function of a `Context`, registered in its app's `watch` module (found when the command
starts, never imported by the web processes)::

    from secretsadmin.watcher.context import Context
    from secretsadmin.watcher.registry import jobs

    @jobs.job("gcore_drift", every=300)  # seconds; 0 (the default) runs it every round
    def drift(context: Context) -> None:
        for account in accounts:
            if not context.leading():
                return  # another process leads now: it does the rest
            if not context.budget.take("gcore", account.name):  # or .wait(..., until=context.ends)
                continue  # this account's calls are spent: a later round carries on
            ...

A job that raises is logged and the round goes on; it runs again the next time it is due."""
