"""The audit actions of Pipecat Cloud changes: their names, and what each did, in words."""

PROVIDER = "pipecat"  # as the audit log names the provider

SET_UPSERT = "pipecat.secret_set.upsert"
IMAGE_PULL_UPSERT = "pipecat.image_pull_secret.upsert"
KEY_DELETE = "pipecat.secret_key.delete"
SET_DELETE = "pipecat.secret_set.delete"

# After these Pipecat Cloud provisions the set anew: it is pending since.
PROVISIONING = (SET_UPSERT, IMAGE_PULL_UPSERT)
# After this a set of that name starts afresh: its history begins after it.
REMOVALS = (SET_DELETE,)
# "eddie saved keys in voice-prod"
DONE = {
    SET_UPSERT: "saved keys in",
    IMAGE_PULL_UPSERT: "saved the credentials of",
    KEY_DELETE: "removed a key from",
    SET_DELETE: "deleted",
}
