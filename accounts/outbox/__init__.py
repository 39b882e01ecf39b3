"""The mail outbox: every mail the site sends is recorded with the flow that sends it.

A mail is written to :class:`~accounts.outbox.models.OutboxMail` inside the flow's transaction
(a flow that rolls back sends nothing), handed to Django's mail backend right after the commit
in the same process, and, when the mail server fails, kept queued and retried by the task
worker (``manage.py db_worker``) with growing delays. A mail that keeps failing is shown to
staff in the admin with its error and can be retried from there. Its body, which holds links
with keys, is dropped as soon as it is sent. Not the audit trail: nothing here is a log.
"""
