from django.apps import AppConfig


class PipecatConfig(AppConfig):
    name = "secretsadmin.pipecat"
    label = "pipecat"

    def ready(self) -> None:
        from secretsadmin.audit import links
        from secretsadmin.rollouts import runners

        from . import actions, redeploys, selectors

        links.register(actions.PROVIDER, "pipecat:set", accounts=selectors.account_names)
        runners.register(redeploys.Redeploys())
