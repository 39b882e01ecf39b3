"""Factories shared by the whole suite."""

import factory
from factory.django import DjangoModelFactory

from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress, User

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def with_email(obj, create, extracted, **kwargs):
        """Give the user a verified primary EmailAddress (``with_email=False`` to skip)."""
        if create and extracted is not False and obj.email:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class EmailAddressFactory(DjangoModelFactory):
    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory, with_email=False)
    email = factory.Sequence(lambda n: f"address{n}@example.org")
    verified = False
    primary = False


class AuthenticatorFactory(DjangoModelFactory):
    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(dict)
