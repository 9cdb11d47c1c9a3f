"""The client's address, taken only from a proxy we trust (ASVS 15.3.4)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = set(getattr(settings, "ACCORD_TRUSTED_PROXIES", ()))
    if remote in trusted:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return remote
