"""The audit actions of alerts: their names, and what each did, in words.

An event names the alert's subject: `provider`, `account`, `target` the subject (a secret's
name), `target_id` its id; `reason` says which alert (its kind and threshold) and, for a snooze,
until when.
"""

ACKNOWLEDGE = "alerts.alert.acknowledge"
SNOOZE = "alerts.alert.snooze"

# "eddie acknowledged the alert on www-example-com"
DONE = {
    ACKNOWLEDGE: "acknowledged the alert on",
    SNOOZE: "snoozed the alert on",
}
