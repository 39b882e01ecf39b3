"""System checks of the outbox: its settings, and a task backend able to defer retries."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts.internal.conf import check_app_settings
from accounts.outbox import app_settings


@checks.register(checks.Tags.compatibility)
def check_outbox_settings(app_configs=None, **kwargs):
    errors = check_app_settings(app_settings._app_settings, check_id="outbox.E001")
    if errors:
        return errors
    from django_tasks import task_backends
    from django_tasks.exceptions import InvalidTaskBackendError

    alias = app_settings.TASK_BACKEND
    try:
        backend = task_backends[alias]
    except (InvalidTaskBackendError, ImproperlyConfigured) as error:
        return [checks.Error(str(error), id="outbox.E002", obj="OUTBOX_TASK_BACKEND")]
    if not backend.supports_defer:
        return [
            checks.Warning(
                f"The task backend {alias!r} ({type(backend).__name__}) cannot run a task "
                "later: mail that fails is kept queued but never retried by itself.",
                hint="Use django_tasks_db.DatabaseBackend and run manage.py db_worker.",
                id="outbox.W001",
                obj="TASKS",
            )
        ]
    return []
