"""Devices in words and device fingerprints, from a request's user agent and IP.

The user agent is parsed by ``ua-parser`` (the maintained uap-core rules), never by our own
regexes. A "device" for the new-sign-in notice is the browser family and OS family plus the
IP network (/24 for IPv4, /64 for IPv6): versions change with every update and addresses
within a home or mobile network change often, so neither alone should look like a new device.
"""

import ipaddress
from functools import lru_cache

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from ua_parser import parse

from accounts.httpkit import get_client_ip, get_user_agent

FINGERPRINT_SALT = "accounts.devices.fingerprint"
IPV4_PREFIX = 24
IPV6_PREFIX = 64


@lru_cache(maxsize=512)
def _families(user_agent):
    """``(browser family, OS family)`` or ``None`` for parts the parser does not know."""
    result = parse(user_agent or "")
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    if browser == "Other":
        browser = None
    if system == "Other":
        system = None
    return browser, system


def describe_user_agent(user_agent):
    """The browser and system in words: "Firefox on Windows", "Unknown browser"."""
    browser, system = _families(user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s") % {"system": system}
    return _("Unknown browser")


def ip_network(ip):
    """The network an address belongs to, as text ("203.0.113.0/24"); "" when unknown."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_fingerprint(user_agent, ip):
    """A keyed hash of (browser family, OS family, IP network).

    Keyed with the secret key so the stored value says nothing about where the user was to
    someone who reads the table.
    """
    browser, system = _families(user_agent)
    value = "|".join([browser or "", system or "", ip_network(ip)])
    return salted_hmac(FINGERPRINT_SALT, value, algorithm="sha256").hexdigest()


def request_fingerprint(request):
    return device_fingerprint(get_user_agent(request), get_client_ip(request))
