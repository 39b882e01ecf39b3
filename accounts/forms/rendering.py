"""How every form's fields are drawn: tied to the form's error summary.

Django marks a field with its own error (``aria-invalid``, ``aria-describedby`` its message).
A form-level error ("the username/email and password do not match", a lockout, a rate limit)
belongs to no field, so without this a screen reader in the password field hears nothing
about it. With it, while the form has such an error, each visible field is also invalid and
described by the error summary (templates/snippets/form_errors.html, same id).
"""

from django.forms import BoundField
from django.forms.forms import NON_FIELD_ERRORS
from django.forms.renderers import DjangoTemplates


def error_summary_id(form) -> str:
    """The id of ``form``'s error summary (the template builds the same one)."""
    return f"{form.prefix or 'form'}-error-summary"


def draws_a_summary(form) -> bool:
    """Is ``form`` one of the site's own (or a subclass, as ``ACCOUNT_FORMS`` allows), drawn
    by its templates with the summary? Django's admin forms are not: their fields must not
    point at an element that is not on the page."""
    return any(
        cls.__module__.startswith("accounts.") and ".admin" not in cls.__module__
        for cls in type(form).__mro__
    )


class AnnouncedBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden or not self.form.is_bound or NON_FIELD_ERRORS not in self.form.errors:
            return attrs
        if not draws_a_summary(self.form):
            return attrs
        attrs["aria-invalid"] = "true"
        described = attrs.get("aria-describedby") or self.field.widget.attrs.get("aria-describedby")
        summary = error_summary_id(self.form)
        attrs["aria-describedby"] = f"{summary} {described}" if described else summary
        return attrs


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with fields that point at the form-level errors."""

    bound_field_class = AnnouncedBoundField
