"""The machinery behind every ``app_settings.py``: typed, validated reads at call time.

Each app keeps one ``AppSettings`` object whose properties name a setting, its one default
and its type. A property reads ``django.conf.settings`` each time it is used (never frozen at
import), so ``override_settings`` and per-site settings keep working, as in allauth. A value
of the wrong type or outside its range raises ``ImproperlyConfigured`` with a message that
says what is allowed; the app's ``checks.py`` reads every property at start-up, so
``manage.py check`` reports those messages before a request ever meets them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

E = TypeVar("E", bound=enum.Enum)


class AppSettingsBase:
    """Typed accessors over ``settings.<prefix><NAME>``; subclasses add one property each."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def _setting(self, name: str, default: Any) -> Any:
        from django.conf import settings

        return getattr(settings, self.prefix + name, default)

    def _fail(self, name: str, value: Any, expected: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{self.prefix}{name} must be {expected}, not {value!r}.")

    def _int(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self._setting(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, value, "a whole number")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            if maximum is None:
                expected = f"at least {minimum}"
            elif minimum is None:
                expected = f"at most {maximum}"
            else:
                expected = f"between {minimum} and {maximum}"
            raise self._fail(name, value, expected)
        return value

    def _bool(self, name: str, default: bool) -> bool:
        value = self._setting(name, default)
        if not isinstance(value, bool):
            raise self._fail(name, value, "True or False")
        return value

    def _str(self, name: str, default: str) -> str:
        value = self._setting(name, default)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self._fail(name, value, "a string")
        return value

    def _choice(self, name: str, default: E, enum_class: type[E]) -> E:
        value = self._setting(name, default)
        try:
            return enum_class(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in enum_class)
            raise self._fail(name, value, f"one of {allowed}") from None

    def _strings(self, name: str, default: Iterable[str]) -> tuple[str, ...]:
        value = self._setting(name, default)
        if value is None:
            return ()
        if isinstance(value, str) or not all(isinstance(item, str) for item in value):
            raise self._fail(name, value, "a list of strings")
        return tuple(value)

    def _dict(self, name: str, default: dict) -> dict:
        value = self._setting(name, default)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._fail(name, value, "a dict")
        return value

    def _dotted_path(self, name: str, default: str) -> str:
        value = self._setting(name, default)
        if not isinstance(value, str) or "." not in value:
            raise self._fail(name, value, "a dotted path to a class")
        return value

    def setting_names(self) -> list[str]:
        """The names of every property (each is one setting), for the system checks."""
        return sorted(
            name
            for name in dir(type(self))
            if name.isupper() and isinstance(getattr(type(self), name), property)
        )


def check_app_settings(app_settings: AppSettingsBase, *, check_id: str) -> list[checks.Error]:
    """Read every setting of ``app_settings``; one ``Error`` per invalid value."""
    errors = []
    for name in app_settings.setting_names():
        try:
            getattr(app_settings, name)
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id=check_id, obj=app_settings.prefix + name))
    return errors


def import_class(setting_name: str, dotted_path: str, base: type | None = None) -> type:
    """The class a ``*_ADAPTER`` or ``*_FORMS`` setting names, checked against ``base``."""
    from django.utils.module_loading import import_string

    try:
        found = import_string(dotted_path)
    except ImportError as error:
        raise ImproperlyConfigured(f"{setting_name}: cannot import {dotted_path!r}.") from error
    if base is not None and not (isinstance(found, type) and issubclass(found, base)):
        raise ImproperlyConfigured(
            f"{setting_name}: {dotted_path!r} must be a subclass of {base.__name__}."
        )
    return found


def get_form_class(forms_setting: dict, setting_name: str, name: str, default: type) -> type:
    """The form class for ``name``: the override in ``ACCOUNT_FORMS``/``MFA_FORMS``, which
    must subclass the default (so the flows get the fields they need), else the default."""
    path = forms_setting.get(name)
    if not path:
        return default
    return import_class(f"{setting_name}[{name!r}]", path, default)


def form_overrides_errors(
    setting_name: str, forms_setting: dict, known: Iterable[str], *, check_id: str
) -> list[checks.Error]:
    """Unknown form names and unimportable classes in a ``*_FORMS`` setting."""
    from django import forms

    errors = []
    for name, path in forms_setting.items():
        if name not in known:
            allowed = ", ".join(sorted(known))
            message = f"{setting_name}: unknown form {name!r} (known: {allowed})."
            errors.append(checks.Error(message, id=check_id, obj=setting_name))
            continue
        try:
            import_class(f"{setting_name}[{name!r}]", path, forms.BaseForm)
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id=check_id, obj=setting_name))
    return errors
