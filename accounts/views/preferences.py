"""Language and time zone: the switcher (Django's ``set_language``) and the preferences page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.flows.preferences import change_preferences
from accounts.forms import get_form_class
from accounts.forms.preferences import PreferencesForm
from accounts.i18n import supported_language


@login_not_required
@require_POST
def set_language(request):
    """Django's ``set_language`` (the language cookie, a safe ``next``), and for a signed-in
    user the choice is remembered on the account, so mail and other devices follow it."""
    response = django_set_language(request)
    language = supported_language(request.POST.get("language"))
    if language and request.user.is_authenticated and request.user.language != language:
        change_preferences(request, language=language)
    return response


@login_required
@never_cache
def preferences(request):
    form_class = get_form_class("preferences", PreferencesForm)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            change_preferences(
                request,
                language=form.cleaned_data["language"],
                zone=form.cleaned_data["timezone"],
            )
            messages.success(request, _("Your preferences were saved."))
            response = redirect("account_preferences")
            # The language cookie follows, so the browser's next page is in the new language.
            language = form.cleaned_data["language"]
            if language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                )
            else:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    else:
        form = form_class(
            initial={"language": request.user.language, "timezone": request.user.timezone}
        )
    return render(request, "account/preferences.html", {"form": form})
