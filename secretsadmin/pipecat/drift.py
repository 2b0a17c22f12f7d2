"""Pipecat Cloud's side of drift: its sets as the watcher compares them, what changed in words,
and which of the dashboard's own attempts explain a change.

A set's listing gives its type and status; its own read (`GET /secrets/{name}`), its key names.
Values cannot be read back, so a value changed elsewhere under the same key name is not seen.
"""

from collections.abc import Sequence
from dataclasses import replace

from secretsadmin.audit.models import AuditEvent
from secretsadmin.drift.observe import Change, Difference, Thing
from secretsadmin.providers.pipecat import SecretSet

from . import actions

TYPES = {"secret": "secret set", "imagePullSecret": "image pull secret"}
# Keys are read for regular sets only: an image pull secret has none to name.
WITH_KEYS = {"type": "secret"}


def thing(secret_set: SecretSet) -> Thing:
    facts: dict[str, object] = {"type": secret_set.type, "status": secret_set.status}
    if secret_set.is_image_pull_secret:
        facts["keys"] = []  # none: a set turned into one no longer holds the keys it had
    return Thing(key=secret_set.name, name=secret_set.name, region=secret_set.region, facts=facts)


def key_facts(keys: Sequence[str]) -> dict[str, object]:
    return {"keys": sorted(keys)}


class PipecatDrift:
    name = actions.PROVIDER
    action = actions.SET_EXTERNAL_CHANGE

    def unexplained(self, change: Change, attempts: Sequence[AuditEvent]) -> Change | None:
        done = {attempt.action for attempt in attempts}
        if change.kind == "created":
            return None if done & set(actions.PROVISIONING) else change
        if change.kind == "deleted":
            return None if actions.SET_DELETE in done else change
        left = []
        for difference in change.differences:
            rest = _unexplained(difference, attempts, done)
            if rest is not None:
                left.append(rest)
        return replace(change, differences=tuple(left)) if left else None

    def described(self, change: Change) -> list[str]:
        facts = change.thing.facts
        if change.kind == "created":
            kind = TYPES.get(str(facts.get("type")), str(facts.get("type")))
            return [f"created ({kind}, region {change.thing.region})"]
        if change.kind == "deleted":
            return ["deleted"]
        words = []
        for difference in change.differences:
            if difference.fact == "keys":
                added, removed = _keys(difference)
                if added:
                    words.append(f"keys added: {', '.join(added)}")
                if removed:
                    words.append(f"keys removed: {', '.join(removed)}")
            elif difference.fact == "type":
                before = TYPES.get(str(difference.before), str(difference.before))
                words.append(
                    f"type {before} → {TYPES.get(str(difference.after), difference.after)}"
                )
            else:
                words.append(f"{difference.fact} {difference.before} → {difference.after}")
        return words

    def keys(self, change: Change) -> list[str]:
        named: list[str] = []
        for difference in change.differences:
            if difference.fact == "keys":
                added, removed = _keys(difference)
                named += [*added, *removed]
        return named

    def target_id(self, change: Change) -> str:
        return ""  # a set is known by its name


def _unexplained(
    difference: Difference, attempts: Sequence[AuditEvent], done: set[str]
) -> Difference | None:
    if difference.fact == "status":
        # After a save of ours, any status is Pipecat provisioning it (pending, then ready or
        # failed, perhaps all within a round). Out of `pending`: provisioning finished after
        # whoever's save, seen as that save.
        if done & set(actions.PROVISIONING) or difference.before == "pending":
            return None
        return difference
    if difference.fact == "type":
        return None if done & set(actions.PROVISIONING) else difference
    if difference.fact == "keys":
        added, removed = _keys(difference)
        saved = {k for a in attempts if a.action in actions.PROVISIONING for k in a.keys}
        # A set deleted and saved again loses its other keys: the delete explains their going.
        gone = {k for a in attempts if a.action == actions.KEY_DELETE for k in a.keys}
        deleted = actions.SET_DELETE in done
        added = [k for k in added if k not in saved]
        removed = [k for k in removed if k not in gone and not deleted]
        if not added and not removed:
            return None
        before = list(_listed(difference.before))
        after = sorted({*before, *added} - set(removed))
        return Difference("keys", before, after)
    return difference


def _keys(difference: Difference) -> tuple[list[str], list[str]]:
    before, after = set(_listed(difference.before)), set(_listed(difference.after))
    return sorted(after - before), sorted(before - after)


def _listed(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
