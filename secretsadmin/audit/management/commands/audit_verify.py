import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from secretsadmin.audit import services
from secretsadmin.audit.models import Outcome
from secretsadmin.audit.verify import check, links, verify


def anchor(text: str) -> tuple[int, str]:
    sequence, _, digest = text.partition(":")
    if not sequence.isdigit() or len(digest) != 64:
        raise ValueError(text)
    return int(sequence), digest


class Command(BaseCommand):
    help = (
        "Verifies the audit log's hash chain; exits 1 at the first event that does not match. "
        "Prints the number of events checked and the head hash: keep it outside the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            type=anchor,
            metavar="SEQUENCE:HASH",
            help="a head kept earlier; that event must still carry that hash",
        )
        parser.add_argument(
            "--file",
            type=Path,
            help="verify a full JSON Lines export instead of the database (nothing is recorded)",
        )

    def handle(
        self,
        *args: Any,
        anchor: tuple[int, str] | None = None,
        file: Path | None = None,
        **options: Any,
    ) -> None:
        if file is not None:
            with file.open(encoding="utf-8") as lines:
                result = check(links(json.loads(line) for line in lines), anchor=anchor)
        else:
            result = verify(anchor=anchor)
            try:
                services.record(
                    services.Actor.system("manage.py audit_verify"),
                    action="audit.verify",
                    outcome=Outcome.SUCCEEDED if result.ok else Outcome.FAILED,
                    subject=services.Subject(
                        target=f"events #1 to #{result.head_sequence}", target_id=result.head_hash
                    ),
                    error_message=result.problem,
                )
            except services.AuditUnavailable as exc:
                self.stderr.write(f"warning: the verification itself was not recorded: {exc}")
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
