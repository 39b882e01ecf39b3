from tests.activity.conftest import audit, signal_request  # noqa: F401  (the audit fixtures)
