from django.db import models


class SpentToken(models.Model):
    """A one-time form token that has been used (`core.once`); kept until it would have expired
    anyway, then pruned."""

    nonce = models.CharField(max_length=32, primary_key=True)
    spent_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token spent at {self.spent_at:%Y-%m-%d %H:%M:%S}"
