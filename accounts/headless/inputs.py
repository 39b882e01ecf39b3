"""The JSON bodies the API accepts, as pydantic models (their JSON Schema is the spec's).

Only the shape is checked here (types, required keys, sizes); what a value means (a taken
username, a weak password, a wrong code) is checked by the same Django forms and flows as the
HTML pages.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Text = Annotated[str, Field(max_length=4096)]
Email = Annotated[str, Field(max_length=254, examples=["alice@example.com"])]
Username = Annotated[str, Field(max_length=254, examples=["alice"])]
Password = Annotated[str, Field(max_length=4096, examples=["correct horse battery"])]
Code = Annotated[str, Field(max_length=64, examples=["123456"])]
# A database id: bounded, so a huge number is a 400, never a database overflow.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Login(Body):
    """Log in with a username or an email address and the password."""

    username: Username | None = None
    email: Email | None = None
    password: Password

    @model_validator(mode="after")
    def _one_login(self):
        if not (self.username or self.email):
            raise ValueError("Give a username or an email address.")
        return self


class Signup(Body):
    """A new account. Which of username and email are required follows
    ``ACCOUNT_SIGNUP_FIELDS`` (both, by default); the signup form says which is missing."""

    username: Username | None = None
    email: Email | None = None
    password: Password


class Reauthenticate(Body):
    password: Password


class MFACode(Body):
    """A code from the authenticator app, or a recovery code."""

    code: Code


class VerifyEmail(Body):
    key: Annotated[str, Field(max_length=1024)]


class RequestPassword(Body):
    email: Email


class ResetPassword(Body):
    key: Annotated[str, Field(max_length=1024)]
    password: Password


class ChangePassword(Body):
    """``current_password`` is required unless the account has no usable password."""

    current_password: Password | None = None
    new_password: Password


class EmailBody(Body):
    email: Email


class MarkPrimary(Body):
    email: Email
    primary: Literal[True]


class EndSessions(Body):
    sessions: Annotated[list[Id], Field(max_length=100)]


class SetupTOTP(Body):
    code: Code


ALL = [
    Login,
    Signup,
    Reauthenticate,
    MFACode,
    VerifyEmail,
    RequestPassword,
    ResetPassword,
    ChangePassword,
    EmailBody,
    MarkPrimary,
    EndSessions,
    SetupTOTP,
]


Credential = Annotated[
    dict[str, Any],
    Field(description="The browser's PublicKeyCredential, as JSON (`toJSON()`)."),
]


class WebAuthnCredential(Body):
    credential: Credential


class AddWebAuthn(Body):
    name: Annotated[str, Field(max_length=64)] = "Security key"
    credential: Credential
    passwordless: bool = False


class RenameWebAuthn(Body):
    id: Id
    name: Annotated[str, Field(max_length=64)]


class DeleteWebAuthn(Body):
    authenticators: Annotated[list[Id], Field(max_length=100)]


ALL += [WebAuthnCredential, AddWebAuthn, RenameWebAuthn, DeleteWebAuthn]


class RefreshToken(Body):
    refresh_token: Annotated[str, Field(max_length=8192)]


ALL.append(RefreshToken)


# --- Social accounts (``auth/provider/*``, ``account/providers``) ---------------------------

ProviderId = Annotated[str, Field(max_length=200, examples=["idp"])]


class ProviderSignup(Body):
    """Finish a social signup: the address (and username) the provider could not supply."""

    email: Email
    username: Username | None = None


class ProviderAccount(Body):
    """A connected account: the provider's id and the account's id at the provider."""

    provider: ProviderId
    account: Annotated[str, Field(max_length=255)]


ALL += [ProviderSignup, ProviderAccount]


class ProviderTokens(Body):
    client_id: Annotated[str, Field(max_length=1024)]
    id_token: Annotated[str, Field(max_length=16384)] | None = None
    access_token: Annotated[str, Field(max_length=16384)] | None = None


class ProviderToken(Body):
    """Sign in (or connect) with an ID token the client obtained from the provider itself."""

    provider: ProviderId
    process: Literal["login", "connect"]
    token: ProviderTokens


ALL += [ProviderTokens, ProviderToken]


# --- Codes, trust and passkey signup (``auth/code/*``, ``auth/2fa/trust``, ...) ------------


class RequestLoginCode(Body):
    """The address to mail a sign-in code to."""

    email: Email


class ConfirmCode(Body):
    """A mailed code as typed (case, dashes and spaces do not matter)."""

    code: Annotated[str, Field(max_length=32, examples=["ABCD-EFGH"])]


class MFATrust(Body):
    """Trust this browser (skip the second factor here until the trust ends), or not."""

    trust: bool


class PasskeySignup(Body):
    """A new account without a password: the address (verified by a mailed code next) and,
    if ``ACCOUNT_SIGNUP_FIELDS`` asks for one, a username."""

    email: Email
    username: Username | None = None


class PasskeySignupCredential(Body):
    name: Annotated[str, Field(max_length=64)] = "Passkey"
    credential: Credential


ALL += [RequestLoginCode, ConfirmCode, MFATrust, PasskeySignup, PasskeySignupCredential]
