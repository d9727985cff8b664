"""Tests start servers on the loopback address only: what a test's child processes
(Ray's GCS, raylets and workers, Dask's scheduler and workers) listen on."""

from __future__ import annotations

import ipaddress

import psutil


def non_loopback_listeners() -> list[str]:
    """`name pid address:port` of every listening socket of this process's descendants
    that is reachable from outside the machine (any address but 127.0.0.0/8 and ::1,
    including the wildcards 0.0.0.0 and ::)."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            connections = proc.net_connections(kind="inet")
            name = proc.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        for conn in connections:
            if conn.status != psutil.CONN_LISTEN:
                continue
            address = ipaddress.ip_address(conn.laddr.ip)
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                address = address.ipv4_mapped
            if not address.is_loopback:
                found.append(f"{name} {proc.pid} {conn.laddr.ip}:{conn.laddr.port}")
    return found
