"""Is a request coming from the practice's own networks?

The local networks are those of the server's settings (INTRAMUROS_LOCAL_NETWORKS) plus those an
administrator declares on the security page (SecurityPolicy.local_networks). The policy row is taken
once per request (kept on the request object) from the per-process cache of core.rowcache, which every
save invalidates in every process: a change, or the lockdown, applies to the very next request.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings

log = logging.getLogger("intramuros.network")


@lru_cache(maxsize=32)
def _networks(spec: tuple[str, ...]):
    nets = []
    for item in spec:
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            log.warning("ignoring %r: not a network (check INTRAMUROS_LOCAL_NETWORKS and the security page)", item)
    return tuple(nets)


def security_policy(request=None):
    """The practice's SecurityPolicy, taken once per request (from the per-process cache)."""
    from intramuros.audit.models import SecurityPolicy

    if request is not None:
        cached = getattr(request, "_security_policy", None)
        if cached is None:
            cached = request._security_policy = SecurityPolicy.cached()
        return cached
    return SecurityPolicy.cached()


def local_networks(policy=None) -> tuple[str, ...]:
    policy = policy if policy is not None else security_policy()
    return tuple(settings.LOCAL_NETWORKS) + tuple(policy.network_list())


def is_local_address(address: str, policy=None) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in _networks(local_networks(policy)))


def client_address(request) -> str:
    # Only the socket's peer: forwarded headers are trivially forged, so they are never trusted here.
    return request.META.get("REMOTE_ADDR", "")


def is_local(request) -> bool:
    return is_local_address(client_address(request), security_policy(request))
