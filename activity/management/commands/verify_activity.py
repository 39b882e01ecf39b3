"""``manage.py verify_activity``: replay the digest chain against the audit logs."""

from django.core.management.base import BaseCommand, CommandError

from activity import integrity


class Command(BaseCommand):
    help = (
        "Verify the audit logs against the signed digests: reports rows changed, deleted or "
        "inserted before the last digest, and gaps or breaks in the chain. Exits 1 on any "
        "problem; the outcome is recorded and shown on the activity dashboard."
    )

    def handle(self, *args, **options):
        try:
            report = integrity.verify()
        except integrity.DigestKeyMissing as error:
            raise CommandError(str(error)) from error
        for problem in report.problems:
            details = ", ".join(f"{k}={v}" for k, v in problem.items() if k != "kind")
            self.stdout.write(f"{problem['kind'].upper()}: {details}")
        summary = f"{report.digests} digests, {report.rows} rows checked"
        if not report.ok:
            raise CommandError(f"Audit trail verification FAILED ({summary}).", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Audit trail verified ({summary})."))
