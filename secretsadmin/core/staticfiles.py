from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestWhenCollected(CompressedManifestStaticFilesStorage):
    """Hashed, cacheable names once `collectstatic` has run (the Docker image); plain names
    before it (development and tests), where whitenoise serves straight from the app folders."""

    # Storage.url also takes None; the hashed storages of Django and whitenoise, only a name.
    def url(self, name: str, force: bool = False) -> str:  # type: ignore[override]
        if not self.hashed_files and not force:
            return StaticFilesStorage.url(self, name)
        return super().url(name, force)
