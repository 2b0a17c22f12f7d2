from django.apps import AppConfig


class WatcherConfig(AppConfig):
    name = "secretsadmin.watcher"
    label = "watcher"
    verbose_name = "Watcher"
