"""``{% get_providers as socialaccount_providers %}`` and ``{% provider_login_url provider %}``
(allauth's tag names)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from accounts.socialaccount.adapter import list_providers

register = template.Library()


@register.simple_tag(takes_context=True)
def get_providers(context):
    request = context.get("request")
    return list_providers(request)


@register.simple_tag
def provider_login_url(provider, process="login", next=""):
    name, kwargs = provider.login_url_name()
    query = {k: v for k, v in {"process": process, "next": next}.items() if v}
    return (
        f"{reverse(name, kwargs=kwargs)}?{urlencode(query)}"
        if query
        else reverse(name, kwargs=kwargs)
    )


@register.simple_tag
def provider_action_url(provider):
    name, kwargs = provider.login_url_name()
    return reverse(name, kwargs=kwargs)
