"""Email-page helpers: post an action, add an address directly, match a request in kwargs."""

from django.http import HttpRequest

from accounts.models import EmailAddress

EMAIL_URL = "/accounts/email/"


class RequestTo:
    """Equal to a Django request for ``path`` (so signal kwargs can be asserted exactly)."""

    def __init__(self, path):
        self.path = path

    def __eq__(self, other):
        return isinstance(other, HttpRequest) and other.path == self.path

    def __repr__(self):
        return f"<request to {self.path}>"


def act(client, action, email="", **data):
    return client.post(EMAIL_URL, {"email": email, action: "1", **data})


def add_address(user, email, *, verified=False, primary=False):
    return EmailAddress.objects.create(user=user, email=email, verified=verified, primary=primary)
