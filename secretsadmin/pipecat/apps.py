from django.apps import AppConfig


class PipecatConfig(AppConfig):
    name = "secretsadmin.pipecat"
    label = "pipecat"

    def ready(self) -> None:
        from secretsadmin.audit import links

        from . import actions, selectors

        links.register(actions.PROVIDER, "pipecat:set", accounts=selectors.account_names)
