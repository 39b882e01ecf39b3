"""Background tasks of the activity app (django-tasks; ``manage.py db_worker`` runs them)."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

from activity import streaming


@task()
def deliver_pending():
    """Send the due audit events to the sinks; if some wait for a retry, run again then."""
    result = streaming.deliver_pending()
    next_at = result["next_at"]
    if next_at is not None and default_task_backend.supports_defer:
        deliver_pending.using(
            run_after=max(next_at, timezone.now() + timedelta(seconds=1))
        ).enqueue()
    return {"sent": result["sent"], "failed": result["failed"]}
