from django.apps import AppConfig


class GcoreConfig(AppConfig):
    name = "secretsadmin.gcore"
    label = "gcore"

    def ready(self) -> None:
        from secretsadmin.audit import links as audit_links
        from secretsadmin.rollouts import runners

        from . import actions, links, replacements, selectors

        audit_links.register(
            actions.PROVIDER,
            "gcore:secret",
            accounts=selectors.account_names,
            arguments=links.secret_page,
        )
        runners.register(replacements.Replacement())
