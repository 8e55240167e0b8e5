"""The client's address when the site stands behind reverse proxies, for
the admin's lockout (django-axes)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's own, or, behind the number of
    proxies the operator says there are, the one the outermost proxy saw.
    Only the addresses our own proxies appended are trusted."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
