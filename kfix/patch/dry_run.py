"""Opt-in proof from a real API server: a server-side apply with dryRun=All.

The schema check cannot see what only the API server enforces (validation across fields,
admission webhooks, the kinds a cluster actually serves). With --server-dry-run each
patched document is applied as kubectl does, `dryRun=All` on every request, so the server
runs all its checks and persists nothing. When there is no cluster to ask, kfix says so
and writes nothing, rather than claiming a proof it did not get.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError

from kfix.cluster.connect import ClusterUnavailable, connect, reason, server_message, unusable

APPLY_TIMEOUT = 30.0  # an apply runs the cluster's admission webhooks


class DryRunUnavailable(ClusterUnavailable):
    """No kubeconfig, or no API server answers: nothing can be proved, so nothing is written."""



class ServerDryRun:
    """Asks the API server of a kubeconfig context whether it would accept each document."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None,
                 field_manager: str = "kfix") -> None:
        self.field_manager = field_manager
        self._client = _connect(kubeconfig, context)

    def check(self, document: Mapping[str, Any]) -> str | None:
        """None when the server accepts the apply; otherwise its message, on one line."""
        api_version, kind = document.get("apiVersion"), document.get("kind")
        metadata = document.get("metadata") or {}
        if not (isinstance(api_version, str) and isinstance(kind, str) and metadata.get("name")):
            return "apiVersion, kind and metadata.name are required"
        try:
            resource = self._client.resources.get(
                prefix="apis" if "/" in api_version else "api", api_version=api_version, kind=kind)
            namespace = (metadata.get("namespace") or "default") if resource.namespaced else None
            # kubernetes leaves the dynamic client unannotated
            self._client.server_side_apply(  # type: ignore[no-untyped-call]
                resource, dict(document), name=metadata["name"], namespace=namespace,
                force_conflicts=True, dry_run="All", field_manager=self.field_manager,
                _request_timeout=APPLY_TIMEOUT)
        except ResourceNotFoundError:  # what kubectl says when a CRD is not installed
            return f'no matches for kind "{kind}" in version "{api_version}"'
        except DynamicApiError as error:
            return server_message(error)
        except urllib3.exceptions.HTTPError as error:
            host = self._client.configuration.host
            raise DryRunUnavailable(f"server dry-run: lost the API server at {host}: "
                                    f"{reason(error)}") from None
        return None


def _connect(kubeconfig: str | None, context: str | None) -> DynamicClient:
    """The context's API server, with the dynamic client's discovery of kinds.

    The dynamic client caches discovery in a file, by default one in the shared temp
    directory that later runs read back; a private directory, removed at once, keeps the
    cache in this process (the client ignores its failed writes after that).
    """
    try:
        session = connect(kubeconfig, context)
    except ClusterUnavailable as error:
        raise DryRunUnavailable(f"server dry-run: {error.message}") from None
    try:
        with tempfile.TemporaryDirectory(prefix="kfix-discovery-") as scratch:
            # kubernetes leaves the dynamic client unannotated
            return DynamicClient(  # type: ignore[no-untyped-call]
                session.api, cache_file=os.path.join(scratch, "cache.json"))
    except (urllib3.exceptions.HTTPError, client.ApiException) as error:
        raise DryRunUnavailable(f"server dry-run: {unusable(session.host, error)}") from None
