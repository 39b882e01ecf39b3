"""Views: thin; they validate with a form, call one flow, and respond.

Each area has its own module; ``home`` is the landing page.
"""

from django.shortcuts import render


def home(request):
    return render(request, "home.html")
