"""Opt-in proof from a real API server: a server-side apply with dryRun=All.

The schema check cannot see what only the API server enforces (validation across fields,
admission webhooks, the kinds a cluster actually serves). With --server-dry-run each
patched document is applied as kubectl does, `dryRun=All` on every request, so the server
runs all its checks and persists nothing. When there is no cluster to ask, kfix says so
and writes nothing, rather than claiming a proof it did not get.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from typing import Any, cast

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError

from kfix.errors import KfixError

PROBE_TIMEOUT = 3.0  # seconds for GET /version: a missing cluster is reported quickly
APPLY_TIMEOUT = 30.0  # an apply runs the cluster's admission webhooks
APPLY_PATCH = "application/apply-patch+yaml"
_CONNECTION = re.compile(r"^\w*Connection\(.*?\): ")


class DryRunUnavailable(KfixError):
    """No kubeconfig, or no API server answers: nothing can be proved, so nothing is written."""



class ServerDryRun:
    """Asks the API server of a kubeconfig context whether it would accept each document."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None,
                 field_manager: str = "kfix") -> None:
        self.field_manager = field_manager
        self._client = _connect(_api_client(kubeconfig, context))

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
            return _server_message(error)
        except urllib3.exceptions.HTTPError as error:
            host = self._client.configuration.host
            raise DryRunUnavailable(f"server dry-run: lost the API server at {host}: "
                                    f"{_reason(error)}") from None
        return None


def _api_client(kubeconfig: str | None, context: str | None) -> client.ApiClient:
    """As `config.new_client_from_config`, with retries off before the connection pool
    exists (not every kubernetes version kfix allows lets that function take a configuration).

    $KUBECONFIG is read here, not when the kubernetes package was imported.
    """
    path = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    if not any(os.path.isfile(os.path.expanduser(p)) for p in path.split(os.pathsep)):
        raise DryRunUnavailable(f"server dry-run: no kubeconfig at {path}")
    configuration = client.Configuration()
    try:
        # kubernetes leaves its config loaders unannotated
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=path, context=context, client_configuration=configuration,
            persist_config=False)
    except (config.ConfigException, yaml.YAMLError, OSError) as error:
        message = " ".join(str(error).split())
        raise DryRunUnavailable(f"server dry-run: cannot use kubeconfig {path}: "
                                f"{message}") from None
    configuration.retries = 0  # one attempt: an absent server is reported at once
    return client.ApiClient(configuration)


def _connect(api_client: client.ApiClient) -> DynamicClient:
    """One cheap request first, so a missing cluster fails in seconds, not on the first apply.

    The dynamic client caches discovery in a file, by default one in the shared temp
    directory that later runs read back; a private directory, removed at once, keeps the
    cache in this process (the client ignores its failed writes after that).
    """
    host = api_client.configuration.host
    try:
        # Raw: whether the server answers matters here, not how it describes itself.
        # Unpreloaded, the answer is urllib3's response, not the VersionInfo annotated.
        answer = cast("urllib3.BaseHTTPResponse", client.VersionApi(api_client).get_code(
            _request_timeout=PROBE_TIMEOUT, _preload_content=False))
        answer.read()
        answer.release_conn()
        with tempfile.TemporaryDirectory(prefix="kfix-discovery-") as scratch:
            # kubernetes leaves the dynamic client unannotated
            return DynamicClient(  # type: ignore[no-untyped-call]
                api_client, cache_file=os.path.join(scratch, "cache.json"))
    except urllib3.exceptions.HTTPError as error:
        raise DryRunUnavailable(f"server dry-run: no API server answers at {host}: "
                                f"{_reason(error)}") from None
    except client.ApiException as error:
        raise DryRunUnavailable(f"server dry-run: the API server at {host} refused kfix: "
                                f"{error.status} {error.reason}") from None


def _server_message(error: DynamicApiError) -> str:
    """The Status message of the error response, as kubectl prints it."""
    try:
        message = json.loads(error.body or "")["message"]  # no body: no JSON either
    except (TypeError, ValueError, KeyError):
        message = f"{error.status} {error.reason}"
    return " ".join(str(message).split())


def _reason(error: urllib3.exceptions.HTTPError) -> str:
    """urllib3's innermost cause without its connection object: "[Errno 111] Connection refused"."""
    cause = getattr(error, "reason", None) or error
    text = str(cause.args[-1]) if cause.args else str(cause)
    return _CONNECTION.sub("", text)
