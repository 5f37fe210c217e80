"""Fail the suite on any attempt to open a socket to an address outside this machine."""

from __future__ import annotations

import ipaddress
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection


class OutboundConnectionBlocked(AssertionError):
    pass


def _is_loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # any other name: resolving it would itself be a look-up outside this machine


def _check(address) -> None:
    if isinstance(address, tuple) and address and not _is_loopback(address[0]):
        raise OutboundConnectionBlocked(f"outbound connection to {address!r} attempted: the software must "
                                        "never open a connection beyond this machine in tests")


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _real_connect_ex(self, address)


def install() -> None:
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
