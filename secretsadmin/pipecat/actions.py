"""The audit actions of Pipecat Cloud changes: their names, and what each did, in words."""

PROVIDER = "pipecat"  # as the audit log names the provider

SET_UPSERT = "pipecat.secret_set.upsert"
IMAGE_PULL_UPSERT = "pipecat.image_pull_secret.upsert"
KEY_DELETE = "pipecat.secret_key.delete"
SET_DELETE = "pipecat.secret_set.delete"
# An operation (`redeploys`): the agents using a set redeployed, each one its own step.
SET_REDEPLOY = "pipecat.secret_set.redeploy"
AGENT_REDEPLOY = "pipecat.agent.redeploy"
# Recorded by the watcher (`drift`), outcome `observed`: a set changed with other tools.
SET_EXTERNAL_CHANGE = "pipecat.secret_set.external_change"

# What changes a set itself: its history (and what its agents have not read yet) is made of these.
SET_CHANGES = (SET_UPSERT, IMAGE_PULL_UPSERT, KEY_DELETE, SET_DELETE)

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
    SET_REDEPLOY: "redeployed the agents using",
    AGENT_REDEPLOY: "redeployed the agent",
    SET_EXTERNAL_CHANGE: "saw a change made outside the dashboard to",
}
