"""Read-only admin for the audit logs, and the User admin with the profile and log links.

Logs can be viewed (by staff with the ``view_*`` permission), filtered, searched and exported
to CSV, never added, changed or deleted from the admin. Changelists avoid full-table counts.
"""

import csv
import ipaddress
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import DateTimeField, ExpressionWrapper, F, Max, Min, Value
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import ratelimit
from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.flows.lockouts import lift_lockout
from activity import display, partitioning
from activity.models import (
    AppendOnlyQuerySet,
    LoginLog,
    MFALog,
    RateLimitRefusal,
    SecurityLog,
    UserProfile,
)

# Above this many rows (by the planner's estimate), an unfiltered changelist trusts the
# estimate instead of running COUNT(*) over the whole table.
ESTIMATE_COUNT_ABOVE = 100_000
# A filtered changelist counts up to this many rows (and says "10001" past it).
COUNT_CAP = 10_000


def capped_count(queryset, cap=None):
    """``SELECT COUNT(*) FROM (... LIMIT cap + 1)``: what a filter matching millions costs is
    what one matching ``cap`` costs."""
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by()[: cap + 1].count()


class EstimatedCountPaginator(Paginator):
    """A paginator that reads PostgreSQL's row estimate for unfiltered, huge tables.

    A filtered queryset is counted up to ``count_cap`` rows only (``SELECT COUNT(*) FROM
    (... LIMIT cap + 1)``): a filter matching millions of rows would otherwise cost a scan of
    all of them on every page, growing with history. Past the cap the changelist says
    "10001" and offers the first 200 pages; narrowing the filter (a month, a user) gives the
    exact figure. ``show_full_result_count = False`` already removes the second count.
    """

    count_cap = COUNT_CAP

    @cached_property
    def count(self):
        queryset = self.object_list
        counted = getattr(queryset, "capped_count", None)
        if counted is not None:  # the name search counted its matches already (LogChangeList)
            return counted
        query = getattr(queryset, "query", None)
        if query is not None and not query.where:
            estimate = self._estimate(queryset)
            if estimate is not None and estimate > ESTIMATE_COUNT_ABOVE:
                return estimate
        if query is not None and query.where:
            return capped_count(queryset, self.count_cap)
        return super().count

    @staticmethod
    def _estimate(queryset):
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            # summed over the monthly partitions when the log is partitioned
            return partitioning.estimated_rows(cursor, queryset.model._meta.db_table)


class IndexedDatesQuerySet(AppendOnlyQuerySet):
    """The changelist queryset, with a date hierarchy that never scans the table.

    The admin's date hierarchy lists the years/months/days that have rows with
    ``SELECT DISTINCT trunc(created_at)``, reading every row in range. Here it lists every
    period between the first and last row instead: one MIN/MAX query that the ``created_at``
    indexes answer directly. A period without rows shows an empty page.

    ``bounds_source`` (set by ``LogChangeList``): the queryset whose MIN/MAX bounds the
    periods, the log narrowed by the date drill-down only. The MIN/MAX of a *searched* or
    filtered log walks the ``created_at`` index of every monthly partition until a match
    turns up, the whole partition when a month has none (a name that stopped logging in
    years ago, a name new this month): a cost that grows with history. Unfiltered, it is
    two index probes per partition.
    """

    bounds_source = None

    def aggregate(self, *args, **kwargs):
        """The admin's date hierarchy first asks for ``first=Min(f), last=Max(f)`` on this very
        queryset, then calls ``datetimes``: both share one MIN/MAX query."""
        field = _bounds_field(args, kwargs)
        if field is None:
            return super().aggregate(*args, **kwargs)
        return dict(self._bounds(field))

    def _bounds(self, field_name):
        cache = self.__dict__.setdefault("_date_bounds", {})  # not copied to clones
        if field_name not in cache:
            source = self if self.bounds_source is None else self.bounds_source
            cache[field_name] = AppendOnlyQuerySet.aggregate(
                source, first=Min(field_name), last=Max(field_name)
            )
        return cache[field_name]

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        bounds = self._bounds(field_name)
        if bounds["first"] is None:
            return []
        first, last = timezone.localtime(bounds["first"]), timezone.localtime(bounds["last"])
        periods = []
        current = _truncate(first, kind)
        while current <= last:
            periods.append(current)
            current = _next_period(current, kind)
        return periods if order == "ASC" else periods[::-1]


class LogChangeList(ChangeList):
    """The audit changelist: flat cost whatever the size of the log (PostgreSQL plans).

    - The date hierarchy's bounds come from the log narrowed by the drill-down alone
      (``IndexedDatesQuerySet.bounds_source``).
    - A name search counts its matches first (``capped_count``, read through the prefix
      indexes ``UPPER(col) text_pattern_ops``, a BitmapOr of the username and email ones);
      the paginator reuses that count, so the page costs no extra query. When the term
      matches at most ``COUNT_CAP`` rows, the page is sorted from those matches
      (``_sorted_from_matches``) instead of walking ``(created_at, id)`` backwards.

    Why (``EXPLAIN ANALYZE`` on the bench database, bench/README.md): for ``ORDER BY
    created_at DESC LIMIT 50`` with a search, PostgreSQL estimates that walking the
    ``created_at`` index and filtering finds 50 matches quickly. On the partitioned log
    that walk is a Merge Append, which must draw the first match out of *every* monthly
    partition before it returns a row: a month where the name does not occur is read to
    its end. So the page's cost followed the history (327 ms at 1M rows, 1.08 s at 3M), the
    prefix indexes unused. Sorting the matches costs what the person's rows cost (a few
    thousand at most under the cap), never what the log holds. A term matching more than
    the cap (a short prefix) keeps the walk: its matches are dense, so each partition
    yields one early.
    """

    date_range = None

    def get_filters(self, request):
        result = super().get_filters(request)
        lookups, field = result[2], self.date_hierarchy
        self.date_range = {}
        for key in (f"{field}__gte", f"{field}__lt"):
            if key in lookups:
                value = lookups[key]
                self.date_range[key] = value[-1] if isinstance(value, list) else value
        return result

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if not isinstance(queryset, IndexedDatesQuerySet):
            return queryset
        matches = None
        if self.query.strip() and _ip_or_none(self.query.strip()) is None:
            matches = capped_count(queryset)
            if matches <= COUNT_CAP and connections[queryset.db].vendor == "postgresql":
                queryset = _sorted_from_matches(queryset)
        queryset.capped_count = matches
        queryset.bounds_source = self.root_queryset.filter(**(self.date_range or {}))
        return queryset


def _sorted_from_matches(queryset):
    """The same ordering on ``created_at + interval '0'``, an expression no index provides:
    PostgreSQL then reads the matching rows through the search indexes and sorts them
    (top-N heapsort) instead of walking ``(created_at, id)`` through every partition."""
    shifted = ExpressionWrapper(F("created_at") + Value(timedelta(0)), output_field=DateTimeField())
    ordering = []
    for item in queryset.query.order_by:
        if item in ("created_at", "-created_at"):
            item = shifted.desc() if item.startswith("-") else shifted.asc()
        ordering.append(item)
    return queryset.order_by(*ordering)


def _bounds_field(args, kwargs):
    """``f`` when the call is exactly ``aggregate(first=Min(f), last=Max(f))``, else None."""
    first, last = kwargs.get("first"), kwargs.get("last")
    if args or set(kwargs) != {"first", "last"}:
        return None
    if type(first) is not Min or type(last) is not Max or first.filter or last.filter:
        return None
    names = {
        getattr(expression.source_expressions[0], "name", None) for expression in (first, last)
    }
    return names.pop() if len(names) == 1 and None not in names else None


def _truncate(moment, kind):
    moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind in ("month", "year"):
        moment = moment.replace(day=1)
    if kind == "year":
        moment = moment.replace(month=1)
    return moment


def _next_period(moment, kind):
    if kind == "day":
        return moment + timedelta(days=1)
    if kind == "month":
        return moment.replace(year=moment.year + (moment.month == 12), month=moment.month % 12 + 1)
    return moment.replace(year=moment.year + 1)


def _ip_or_none(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _csv_safe(value):
    """Neutralise spreadsheet formulas: a typed username may start with ``=`` or ``@``."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_response(queryset, fields):
    """Stream ``fields`` of the rows as CSV, a chunk at a time, so a big export never sits in
    memory. Only the listed columns go out (never the session hash), formulas defused."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(fields)
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            yield writer.writerow([_csv_safe(value) for value in row])

    name = f"{queryset.model._meta.model_name}-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.action(description=_("Export selected rows to CSV"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    return csv_response(queryset, modeladmin.csv_fields)


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Common admin of the append-only logs: view, filter, search, export; nothing else."""

    date_hierarchy = "created_at"
    list_filter = ("event", "created_at")
    # Prefix search ("alice" finds alice, alice@example.com), served by the functional
    # indexes ``UPPER(col) text_pattern_ops`` (migration 0004) on PostgreSQL. Chosen over a
    # pg_trgm GIN index: staff look people up by the start of a name or address; a B-tree
    # costs little on every insert of a hot append-only table (GIN pending lists and
    # trigram sets per row would), needs no extension, and a term shorter than three
    # characters still uses it (trigram search degrades to a full-index scan). A substring
    # search over millions of rows is an export-and-grep job. How the page query is made to
    # use these indexes on a partitioned log: LogChangeList.
    search_fields = ("^username", "^email")  # and an exact IP: see get_search_results
    # No join: ``user_link`` shows the row's own ``user_id`` and username snapshot. A join
    # to the users would run for every match of a search before its top-50 sort (PostgreSQL
    # does not push the LIMIT below a left join).
    list_select_related = ()
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    actions = [export_csv]
    ordering = ("-created_at", "-pk")
    csv_fields = ()
    # The detail page shows these instead of the raw columns (codes, JSON, ids).
    detail_replacements = {
        "reason": ("reason_label",),
        "extra": ("extra_details",),
        "user_agent": ("user_agent", "browser"),
    }

    class Media:
        css = {"all": ("css/admin-logs.css",)}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        info = self.opts.app_label, self.opts.model_name
        extra_context = {
            **(extra_context or {}),
            "export_url": reverse(
                "admin:{}_{}_export".format(*info), current_app=self.admin_site.name
            ),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def export_view(self, request):
        """The "Export to CSV" button: every row of the list as filtered and searched now
        (all pages), streamed. Its own view, so the changelist's queries stay as they are."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        request.GET.pop("p", None)  # all pages, whatever page the button was pressed on
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))
        return csv_response(changelist.queryset, self.csv_fields)

    def get_fields(self, request, obj=None):
        fields = []
        for field in self.model._meta.fields:
            if field.name == "id":
                continue
            fields.extend(self.detail_replacements.get(field.name, (field.name,)))
        return fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return IndexedDatesQuerySet(model=queryset.model, query=queryset.query, using=queryset.db)

    def get_changelist(self, request, **kwargs):
        return LogChangeList

    def get_search_results(self, request, queryset, search_term):
        """A search term that is an IP address matches ``ip_address`` exactly, and only it.

        The admin's ``=ip_address`` lookup is ``iexact``: on PostgreSQL that compares
        ``UPPER(HOST(ip_address)::text)``, which no index serves, and it is OR-ed with the
        ``icontains`` of the other fields, so every IP search read the whole table. An
        equality on the ``inet`` column uses the ``(ip_address, created_at)`` index. Any
        other term searches the text fields (``username``, ``email``) as before.
        """
        term = search_term.strip()
        address = _ip_or_none(term)
        if address is not None:
            return queryset.filter(ip_address=address), False
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + [
            name for names in self.detail_replacements.values() for name in names
        ]

    @admin.display(description=_("when"), ordering="created_at")
    def when(self, obj):
        """A compact date and time (the full one is on the row's page)."""
        return formats.date_format(timezone.localtime(obj.created_at), "Y-m-d H:i")

    @admin.display(description=_("IP address"), ordering="ip_address")
    def ip(self, obj):
        return obj.ip_address or "—"

    @admin.display(description=_("browser"))
    def browser(self, obj):
        """ "Firefox on Linux"; the full user agent on hover (and on the row's page)."""
        if not obj.user_agent:
            return "—"
        return format_html(
            '<span title="{}">{}</span>', obj.user_agent, display.browser_summary(obj.user_agent)
        )

    @admin.display(description=_("reason"))
    def reason_label(self, obj):
        return display.reason_label(getattr(obj, "reason", "")) or "—"

    @admin.display(description=_("details"))
    def extra_details(self, obj):
        return display.definition_list(obj.extra)

    @admin.display(description=_("user"), ordering="username")
    def user_link(self, obj):
        if obj.user_id is None:
            return obj.username or "—"
        url = reverse("admin:accounts_user_change", args=[obj.user_id])
        return format_html('<a href="{}">{}</a>', url, obj.username or obj.user_id)


@admin.register(LoginLog)
class LoginLogAdmin(ReadOnlyLogAdmin):
    list_display = ("when", "event", "user_link", "ip", "browser", "method", "reason_label")
    list_filter = ("event", "method", "created_at")
    csv_fields = (
        "created_at",
        "event",
        "method",
        "reason",
        "user_id",
        "username",
        "email",
        "ip_address",
        "user_agent",
        "path",
    )


@admin.register(SecurityLog)
class SecurityLogAdmin(ReadOnlyLogAdmin):
    list_display = ("when", "event", "user_link", "ip", "browser", "actor_link", "details")
    list_select_related = ("actor",)  # actor_link names the actor; user_link needs no join
    csv_fields = (
        "created_at",
        "event",
        "user_id",
        "username",
        "email",
        "actor_id",
        "ip_address",
        "user_agent",
        "path",
        "extra",
    )

    @admin.display(description=_("actor"))
    def actor_link(self, obj):
        if obj.actor_id is None:
            return "—"
        url = reverse("admin:accounts_user_change", args=[obj.actor_id])
        return format_html('<a href="{}">{}</a>', url, obj.actor.get_username())

    @admin.display(description=_("details"))
    def details(self, obj):
        return display.summary_text(obj.extra, limit=50) or "—"


@admin.register(MFALog)
class MFALogAdmin(ReadOnlyLogAdmin):
    list_display = (
        "when",
        "event",
        "user_link",
        "ip",
        "browser",
        "authenticator",
        "occasion",
    )
    list_filter = ("event", "method", "passwordless", "reauthentication", "created_at")
    csv_fields = (
        "created_at",
        "event",
        "method",
        "authenticator_id",
        "passwordless",
        "reauthentication",
        "user_id",
        "username",
        "ip_address",
        "user_agent",
    )
    detail_replacements = {
        **ReadOnlyLogAdmin.detail_replacements,
        "authenticator_id": ("authenticator_details",),
    }

    @admin.display(description=_("when used"))
    def occasion(self, obj):
        """One short column for the two flags (the filters keep them apart)."""
        if obj.reauthentication:
            return _("Reauthentication")
        if obj.passwordless:
            return _("Passwordless sign-in")
        return _("Sign-in")

    @admin.display(description=_("authenticator"))
    def authenticator(self, obj):
        """The type, linked to the authenticator's page; no query per row (the list's
        query count is pinned): its name is on the row's page."""
        if obj.authenticator_id is None:
            return "—"
        url = reverse("admin:mfa_authenticator_change", args=[obj.authenticator_id])
        return format_html(
            '<a href="{}">{}</a>', url, obj.get_method_display() or _("Authenticator")
        )

    @admin.display(description=_("authenticator"))
    def authenticator_details(self, obj):
        return display.authenticator_html(obj.authenticator_id, obj.get_method_display())


class UserProfileInline(admin.StackedInline):
    """The profile, read-only, with links to the user's rows in each log."""

    model = UserProfile
    can_delete = False
    extra = 0
    max_num = 0
    fields = (
        "signup_ip",
        "referral",
        "login_count",
        "last_login_ip",
        "last_login_at",
        "trial_started_at",
        "trial_ends_at",
        "activity_links",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("activity"))
    def activity_links(self, profile):
        query = urlencode({"user__id__exact": profile.user_id})
        links = [
            (reverse(f"admin:activity_{model._meta.model_name}_changelist") + "?" + query, label)
            for model, label in (
                (LoginLog, _("Logins")),
                (SecurityLog, _("Security events")),
                (MFALog, _("MFA uses")),
            )
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AccountsUserAdmin):
    """accounts' UserAdmin plus the activity profile; accounts stays unaware of activity."""

    inlines = [*AccountsUserAdmin.inlines, UserProfileInline]

    def get_inlines(self, request, obj):
        # On the add page there is no profile yet: the post_save receiver creates it.
        return super().get_inlines(request, obj) if obj is not None else []


# --- Lockouts (django-axes style): recent refusals, who is locked now, lift one ---------------

# The "locked now" filter looks at this many recent refusals at most (each costs cache reads).
LOCKED_NOW_SCAN_LIMIT = 500


class LockedNowFilter(admin.SimpleListFilter):
    title = _("locked now")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        since = timezone.now() - timedelta(seconds=ratelimit.longest_period())
        recent = queryset.filter(created_at__gte=since).values_list("pk", "user_id", "ip_address")
        locked, seen = [], {}
        for pk, user_id, ip in recent[:LOCKED_NOW_SCAN_LIMIT]:
            if (user_id, ip) not in seen:
                seen[user_id, ip] = bool(ratelimit.locked_actions(ip=ip, user_id=user_id))
            if seen[user_id, ip]:
                locked.append(pk)
        return queryset.filter(pk__in=locked)


class TargetFilter(admin.SimpleListFilter):
    title = _("aimed at")
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return [("account", _("An account")), ("ip", _("An IP address only"))]

    def queryset(self, request, queryset):
        if self.value() == "account":
            return queryset.filter(user__isnull=False)
        if self.value() == "ip":
            return queryset.filter(user__isnull=True)
        return queryset


@admin.action(description=_("Lift the lockout (account and IP)"), permissions=["lift"])
def lift_lockouts(modeladmin, request, queryset):
    """Forget the attempts counted against each selected row's account and IP; audited with
    the staff member as actor."""
    targets = {(row.user, row.ip_address) for row in queryset.select_related("user")}
    for user, ip in targets:
        lift_lockout(request, user=user, ip=ip, actor=request.user)
    message = ngettext("Lifted %(count)d lockout.", "Lifted %(count)d lockouts.", len(targets))
    modeladmin.message_user(request, message % {"count": len(targets)}, messages.SUCCESS)


@admin.register(RateLimitRefusal)
class RateLimitRefusalAdmin(ReadOnlyLogAdmin):
    """Recent rate-limit refusals by account and by IP; filter on "locked now" to see the
    current lockouts, and lift them (or run ``manage.py unlock_account``)."""

    list_display = ("when", "action", "user_link", "ip", "browser", "locked_now")
    list_filter = (LockedNowFilter, TargetFilter, "created_at")
    actions = [lift_lockouts, export_csv]
    csv_fields = SecurityLogAdmin.csv_fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(event=SecurityLog.Event.RATE_LIMITED)

    def has_lift_permission(self, request):
        return request.user.has_perm("accounts.change_user")

    @admin.display(description=_("action"))
    def action(self, obj):
        code = obj.extra.get("action", "")
        return str(display.ACTIONS.get(code, code)) or "—"

    @admin.display(description=_("locked now"), boolean=True)
    def locked_now(self, obj):
        return bool(ratelimit.locked_actions(ip=obj.ip_address, user_id=obj.user_id))
