"""Lift a rate-limit lockout from the command line: ``manage.py unlock_account alice``."""

import ipaddress

from django.core.management.base import BaseCommand, CommandError

from accounts.flows.lockouts import lift_lockout
from accounts.models import User
from accounts.users import find_user_by_login


class Command(BaseCommand):
    help = "Lift the lockout of an account (by username or email) and/or of an IP address."

    def add_arguments(self, parser):
        parser.add_argument("login", nargs="?", help="Username or email address of the account.")
        parser.add_argument("--ip", help="Also lift the lockout of this IP address.")
        parser.add_argument("--by", help="Username or email of the staff member acting (audit).")

    def handle(self, *args, login=None, ip=None, by=None, **options):
        if not login and not ip:
            raise CommandError("Name an account, or give --ip, or both.")
        user = None
        if login:
            # Whatever ACCOUNT_LOGIN_METHODS allows at the login form: a username or an address.
            user = (
                User.objects.filter(username__iexact=login).first()
                or find_user_by_login(login)
                or User.objects.filter(email__iexact=login).first()
            )
            if user is None:
                raise CommandError(f"No account matches {login!r}.")
        if ip:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise CommandError(f"{ip!r} is not an IP address.") from None
        actor = None
        if by:
            actor = find_user_by_login(by)
            if actor is None or not actor.is_staff:
                raise CommandError(f"{by!r} is not a staff member.")
        actions = lift_lockout(None, user=user, ip=ip, actor=actor)
        locked = ", ".join(actions) if actions else "nothing was locked"
        self.stdout.write(f"Lifted ({locked}).")
