from django.apps import AppConfig


class PipecatConfig(AppConfig):
    name = "secretsadmin.pipecat"
    label = "pipecat"

    def ready(self) -> None:
        from secretsadmin.audit import links
        from secretsadmin.rollouts import runners

        from . import actions, redeploys, selectors

        links.register(
            actions.PROVIDER,
            "pipecat:set",
            accounts=selectors.account_names,
            # A redeploy's step names an agent, which has no page here (no link, not a set's).
            arguments=lambda event: (
                {} if event.action == actions.AGENT_REDEPLOY else links.by_name(event)
            ),
        )
        runners.register(redeploys.Redeploys())
