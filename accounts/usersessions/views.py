"""The "Your sessions" page: see where you are signed in, and sign out there."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, ngettext
from django.views import View
from django.views.decorators.cache import never_cache

from accounts.decorators import reauthentication_required
from accounts.devices import describe_user_agent
from accounts.usersessions.flows import end_other_sessions, end_session, list_active_sessions
from accounts.usersessions.forms import EndSessionsForm


@method_decorator([login_required, never_cache], name="dispatch")
class UserSessionListView(View):
    template_name = "usersessions/usersession_list.html"

    def get(self, request, *args, **kwargs):
        return self.render(request)

    @method_decorator(reauthentication_required)
    def post(self, request, *args, **kwargs):
        form = EndSessionsForm(
            request.POST, user=request.user, current_session_key=request.session.session_key
        )
        if not form.is_valid():
            if form.names_unknown_session:
                raise Http404(gettext("No such session."))
            return self.render(request, form=form, status=400)
        record = form.cleaned_data["session"]
        if record is not None:
            end_session(request, record=record)
            device = describe_user_agent(record.user_agent)
            messages.success(request, gettext("Signed out of %(device)s.") % {"device": device})
        else:
            count = end_other_sessions(request)
            messages.success(
                request,
                ngettext(
                    "Signed out of %(count)d other session.",
                    "Signed out of %(count)d other sessions.",
                    count,
                )
                % {"count": count},
            )
        return redirect("usersessions_list")

    def render(self, request, form=None, status=200):
        sessions = list_active_sessions(request)
        context = {
            "sessions": sessions,
            "has_others": any(not s.is_current for s in sessions),
            "form": form,
        }
        return render(request, self.template_name, context, status=status)


list_sessions = UserSessionListView.as_view()
