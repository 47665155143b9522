"""The Python SDK of the SDD server.

    from sdd_sdk import SddClient
    client = SddClient(server_url="http://127.0.0.1:3000", api_key="sdd_...")
    spec = client.specs.get("auth/login")
    client.specs.update(spec.id, version=spec.version, status="review")
    client.analysis.impact("auth/login").affected_count
    client.subscribe("spec:updated", lambda event: print(event.spec))

``AsyncSddClient`` has the same methods, awaited. Errors: :class:`AuthError` (401),
:class:`Forbidden` (403), :class:`NotFound` (404), :class:`ConflictError` (409/412/423).
Depends on httpx and websockets only.
"""

from sdd_sdk.client import EVENTS, AsyncSddClient, SddClient, Subscription
from sdd_sdk.errors import (
    AuthError, ConflictError, Forbidden, NotFound, PayloadTooLarge, PreconditionRequired,
    SddApiError, ValidationError,
)
from sdd_sdk.models import AffectedSpec, Event, Impact, Lock, ReviewStatus, SearchHit, Spec, SpecPage

__version__ = "0.1.0"
__all__ = [
    "EVENTS", "AffectedSpec", "AsyncSddClient", "AuthError", "ConflictError", "Event",
    "Forbidden", "Impact", "Lock", "NotFound", "PayloadTooLarge", "PreconditionRequired",
    "ReviewStatus", "SddApiError", "SddClient", "SearchHit", "Spec", "SpecPage",
    "Subscription", "ValidationError",
]
