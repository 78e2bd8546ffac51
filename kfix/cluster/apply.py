"""Server-side apply of one patched object to a live cluster: a dry run, then the apply,
then the object read back for re-evaluation.

Called only for an approved change. Each step is one request, and the first that fails
ends it: a dry run the server refuses means the apply is never sent. A server-side apply
is one atomic change on the server, so a refused apply changes nothing. The requests are
`PATCH` with `application/apply-patch+yaml` and `fieldManager=kfix`, without `force`
unless asked: a field another manager owns is a conflict (409), reported, not taken over.
With `resource_version`, the apply only succeeds on the object as it was read (the server
answers 409 when it has changed since).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import urllib3
from kubernetes.dynamic.exceptions import DynamicApiError

from kfix.cluster import REQUEST_TIMEOUT
from kfix.cluster.connect import Session, failure, timed_out
from kfix.cluster.read import Resource, cleaned
from kfix.model import (
    CONFLICT,
    FORBIDDEN,
    GONE,
    INVALID,
    NOT_FOUND,
    TIMEOUT,
    UNREACHABLE,
    ClusterApply,
)

APPLY_PATCH = "application/apply-patch+yaml"
FIELD_MANAGER = "kfix"
DRY_RUN, APPLY, REREAD = "dry run", "apply", "re-read"
_BY_STATUS = {401: FORBIDDEN, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT, 410: GONE}


def server_side_apply(session: Session, resource: Resource, content: Mapping[str, Any], *,
                      resource_version: str | None = None, force: bool = False,
                      timeout: float = REQUEST_TIMEOUT) -> ClusterApply:
    """Apply `content` (a whole object of `resource`'s kind) as field manager kfix."""
    metadata = dict(content.get("metadata") or {})
    name, namespace = metadata.get("name"), metadata.get("namespace")
    if not name or (resource.namespaced and not namespace):
        return ClusterApply(INVALID, DRY_RUN, "the object names no "
                            + ("name" if not name else "namespace") + ": nothing sent")
    if resource_version:
        metadata["resourceVersion"] = resource_version
    body = {**content, "metadata": metadata}
    path = resource.path(namespace if resource.namespaced else None, str(name))
    query = [("fieldManager", FIELD_MANAGER), *([("force", "true")] if force else [])]
    for stage, dry_run in ((DRY_RUN, [("dryRun", "All")]), (APPLY, [])):
        try:
            session.request("PATCH", path, query=[*query, *dry_run], body=body,
                            content_type=APPLY_PATCH, timeout=timeout)
        except (DynamicApiError, urllib3.exceptions.HTTPError) as error:
            message = failure(error, timeout)
            if stage == APPLY and _kind(error) in (TIMEOUT, UNREACHABLE):
                message += "; whether the apply took effect is unknown: read the object again"
            return ClusterApply(_kind(error), stage, message)
    try:
        live = session.request("GET", path, timeout=timeout)
    except (DynamicApiError, urllib3.exceptions.HTTPError) as error:
        return ClusterApply(_kind(error), REREAD,
                            f"applied, but reading it back failed: {failure(error, timeout)}")
    return ClusterApply(live=cleaned(live))


def _kind(error: DynamicApiError | urllib3.exceptions.HTTPError) -> str:
    if isinstance(error, DynamicApiError):
        return _BY_STATUS.get(error.status or 0, INVALID)
    return TIMEOUT if timed_out(error) else UNREACHABLE
