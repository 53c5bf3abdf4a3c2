"""Every way a call to the Octopia marketplace can fail, as one tree under ``CdlinkError``.

Error tree::

    CdlinkError                         (cdlink.core.errors)
    └── OctopiaError                    the marketplace call failed; carries status, problem,
        │                               headers and the server's traceId
        ├── TransportError              no usable answer: connection refused, timeout, dropped
        │                               connection (``request_sent`` says whether it may have
        │                               reached Cdiscount)
        ├── MalformedResponse           an answer that cannot be parsed (bad JSON, missing field)
        └── ApiError                    the marketplace answered with an error status
            ├── AuthError               401: the token was refused even after one renewal
            │   └── CredentialsRejected the token endpoint refused the client id/secret or the
            │                           API login/password: "re-authentication needed"
            ├── Forbidden               403: the client is not linked to that SellerId, or lacks
            │                           a role
            ├── RateLimited             429 (or the local budget ran dry): ``retry_after`` seconds
            ├── InvalidRequest          400, 406, 415, 422 and other 4xx: the request is wrong
            │   └── RuleViolation       a marketplace rule refused it (message length,
            │                           attachments, gesture amount, order status…): raised
            │                           by cdlink before sending (``sent`` False) or mapped
            │                           from the marketplace's answer; ``rule`` names the rule
            ├── NotFound                404: unknown resource (or an unknown path)
            ├── Conflict                409: the resource is in a state that forbids the change
            └── ServerError             5xx: the marketplace failed

``str(error)`` starts with the trace id (``[traceId 00-…]``, or ``[no traceId]``) so that a line
of the sync log can be matched with Octopia's support. No message, repr or attribute holds a
secret: credentials never enter an error, and problem bodies are redacted before they are kept.
Which class a response becomes is decided in one place, ``cdlink.octopia.responses``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdlink.core.errors import CdlinkError
from cdlink.octopia.problems import Problem


class OctopiaError(CdlinkError):
    """A call to the Octopia marketplace failed."""

    default_hint = "See the sync log; the call will be tried again on the next run."

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        problem: Problem | None = None,
        headers: Mapping[str, str] | None = None,
        trace_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.problem = problem
        self.headers: dict[str, str] = dict(headers or {})
        self.trace_id = trace_id or (problem.trace_id if problem else None)
        self.method = method
        self.path = path

    def __str__(self) -> str:
        prefix = f"[traceId {self.trace_id}]" if self.trace_id else "[no traceId]"
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        return f"{prefix} {self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, status={self.status!r})"


class TransportError(OctopiaError):
    """No usable answer came back: the connection failed, timed out or was dropped."""

    default_hint = (
        "Check the network between cdlink and Cdiscount; the call will be tried again later."
    )

    def __init__(self, message: str, *, request_sent: bool, **context: Any) -> None:
        super().__init__(message, **context)
        # False only when the request provably never left this machine (connect failures).
        self.request_sent = request_sent


class MalformedResponse(OctopiaError):  # noqa: N818  (named for what happened, as in the tree)
    """The marketplace answered something that cannot be parsed."""

    default_hint = (
        "Cdiscount sent an answer cdlink cannot read; it is kept in the sync log. If it repeats, "
        "report it with the traceId."
    )


class ApiError(OctopiaError):
    """The marketplace answered with an error status."""


class AuthError(ApiError):
    """The marketplace refused the access token, even after one renewal."""

    default_hint = "cdlink will ask for a new token on the next run; if it repeats, reconnect."


class CredentialsRejected(AuthError):  # noqa: N818  (named for what happened, as in the tree)
    """The token endpoint refused the credentials: re-authentication needed."""

    default_hint = (
        "Re-authentication needed: open the connection on the Apps page and enter a valid "
        "Client ID and Client Secret (create new ones in the Octopia seller portal if needed)."
    )


class Forbidden(ApiError):  # noqa: N818  (named for what happened, as in the tree)
    """The credentials are valid but not allowed to do this (e.g. not linked to the SellerId)."""

    default_hint = (
        "Check that the API credentials belong to this Seller ID and have the needed rights in "
        "the Octopia seller portal."
    )


class RateLimited(ApiError):  # noqa: N818  (named for what happened, as in the tree)
    """Too many calls: the marketplace answered 429, or cdlink's own budget ran dry."""

    default_hint = "cdlink slows down by itself and tries again later; nothing to do."

    def __init__(self, message: str, *, retry_after: float | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class InvalidRequest(ApiError):  # noqa: N818  (named for what happened, as in the tree)
    """The marketplace refused the request as invalid (400, 406, 415, 422…)."""

    default_hint = "Fix the fields named in the error and try again."


class RuleViolation(InvalidRequest):
    """A rule of the marketplace forbids the request; ``rule`` names it, the message states it.

    Raised before anything is sent when cdlink can tell (``sent`` is False, ``status`` None),
    or from the marketplace's 400/422 answer when only the marketplace could.
    """

    default_hint = "Change the request so that it follows the rule named in the message."

    def __init__(self, message: str, *, rule: str, sent: bool = False, **context: Any) -> None:
        super().__init__(message, **context)
        self.rule = rule
        self.sent = sent


class NotFound(ApiError):  # noqa: N818  (named for what happened, as in the tree)
    """The resource does not exist (or the path is unknown)."""

    default_hint = "Check the identifier; the resource may have been deleted on Cdiscount."


class Conflict(ApiError):  # noqa: N818  (named for what happened, as in the tree)
    """The resource is in a state that forbids this change."""

    default_hint = "Reload the resource: its state on Cdiscount no longer allows this change."


class ServerError(ApiError):
    """The marketplace failed (5xx)."""

    default_hint = "Cdiscount is having trouble; the call will be tried again later."
