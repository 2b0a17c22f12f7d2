"""What an alert can be about. A condition raises one of these; a channel's route may name them
(`ALERT_CHANNEL_<NAME>_KINDS`), so a kind added here is one an operator can route."""

EXPIRY = "expiry"  # a certificate or secret nears its expiry, or is past it
PULL_SECRET_AGE = "pull_secret_age"  # noqa: S105 - a kind: an image pull secret grown old
SET_STATUS = "set_status"  # a secret set failed to provision
ROTATION = "rotation"  # a secret is due for rotation
DRIFT = "drift"  # a provider's state differs from what the dashboard last saw

KINDS = (EXPIRY, PULL_SECRET_AGE, SET_STATUS, ROTATION, DRIFT)

# Each kind in words, as a page lists it.
WORDS = {
    EXPIRY: "Nearing or past its expiry",
    PULL_SECRET_AGE: "Image pull secret grown old",
    SET_STATUS: "Secret set failed to provision",
    ROTATION: "Due for rotation",
    DRIFT: "Changed outside the dashboard",
}
