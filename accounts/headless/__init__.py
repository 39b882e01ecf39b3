"""A JSON API for single-page and mobile apps, compatible with django-allauth's headless API.

Mounted at ``/_allauth/{browser|app}/v1/``. Every endpoint parses its input, calls the same flow
as the HTML view, and describes the resulting state (the user, the pending login, the
authentication records) in allauth's envelope. See ``docs.md`` beside this file.
"""
