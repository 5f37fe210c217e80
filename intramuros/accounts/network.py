"""Is a request coming from the practice's own networks?"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def is_local_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.LOCAL_NETWORKS)))


def is_local(request) -> bool:
    return is_local_address(request.META.get("REMOTE_ADDR", ""))
