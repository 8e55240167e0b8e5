"""The client's address when the site stands behind reverse proxies, for
the admin's lockout (django-axes), and a warning when the site seems to be
behind a proxy it was not told of."""

import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


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


class ForwardedForWarningMiddleware:
    """With DJANGO_TRUSTED_PROXY_COUNT at 0, X-Forwarded-For is ignored; if
    requests carry it, the site is probably behind a proxy it was not told
    of, and every client shares the proxy's address (one attacker can then
    lock every editor out). Said once a process, at WARNING."""

    warned = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        forwarded = "HTTP_X_FORWARDED_FOR" in request.META
        if forwarded and not settings.TRUSTED_PROXY_COUNT and not ForwardedForWarningMiddleware.warned:
            ForwardedForWarningMiddleware.warned = True
            logger.warning(
                "requests arrive with X-Forwarded-For, but DJANGO_TRUSTED_PROXY_COUNT is 0: every client "
                "behind the proxy shares its address. Set it to the number of proxies (docs/deploy.md)."
            )
        return self.get_response(request)
