"""One API server of a kubeconfig context, and the words for what goes wrong talking to it.

Every request goes through `Session.request`: the kubernetes client's authentication
(tokens, client certificates, exec plugins) and its typed errors, without its discovery
cache, so a run asks only what kfix needs and leaves no files behind.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import DynamicApiError

from kfix.errors import KfixError

PROBE_TIMEOUT = 3.0  # seconds for GET /version: a missing cluster is reported quickly
_CONNECTION = re.compile(r"^\w*Connection\(.*?\): ")


class ClusterUnavailable(KfixError):
    """No kubeconfig, or no API server answers: nothing can be read or applied."""


class _NoDiscovery:
    """The dynamic client's discoverer slot, empty: kfix asks the discovery endpoints
    itself, only for the groups it needs (the client's own reads every group at once)."""

    def __init__(self, _client: DynamicClient, _cache_file: str | None) -> None:
        pass


@dataclass(frozen=True)
class Session:
    """Requests to the API server of one context."""

    context: str  # the kubeconfig context's name: findings are `cluster:<context>/...`
    namespace: str  # the context's namespace, "default" when it names none (as kubectl)
    api: client.ApiClient

    @property
    def host(self) -> str:
        return str(self.api.configuration.host)

    def request(self, method: str, path: str, *, query: Sequence[tuple[str, str]] = (),
                body: Mapping[str, Any] | None = None, content_type: str | None = None,
                timeout: float) -> Any:
        """The decoded JSON answer; DynamicApiError (typed by status) on an error answer,
        urllib3's HTTPError when the server cannot be reached or is too slow."""
        dynamic = DynamicClient(self.api, discoverer=_NoDiscovery)  # type: ignore[no-untyped-call]
        answer = dynamic.request(method, path, body=None if body is None else dict(body),
                                 query_params=list(query), content_type=content_type,
                                 serialize=False, _request_timeout=timeout)
        return json.loads(answer.data)


def connect(kubeconfig: str | None = None, context: str | None = None) -> Session:
    """The context's API server, after one cheap GET /version proves it answers."""
    name, namespace = _context(kubeconfig, context)
    session = Session(name, namespace, api_client(kubeconfig, context))
    try:
        # Raw: whether the server answers matters here, not how it describes itself.
        # Unpreloaded, the answer is urllib3's response, not the VersionInfo annotated.
        answer = cast("urllib3.BaseHTTPResponse", client.VersionApi(session.api).get_code(
            _request_timeout=PROBE_TIMEOUT, _preload_content=False))
        answer.read()
        answer.release_conn()
    except (urllib3.exceptions.HTTPError, client.ApiException) as error:
        raise ClusterUnavailable(unusable(session.host, error)) from None
    return session


def unusable(host: str, error: urllib3.exceptions.HTTPError | client.ApiException) -> str:
    """Why the API server at `host` cannot be used at all, on one line."""
    if isinstance(error, urllib3.exceptions.HTTPError):
        return f"no API server answers at {host}: {reason(error)}"
    return f"the API server at {host} refused kfix: {error.status} {error.reason}"


def api_client(kubeconfig: str | None, context: str | None) -> client.ApiClient:
    """As `config.new_client_from_config`, with retries off before the connection pool
    exists (not every kubernetes version kfix allows lets that function take a configuration).
    """
    path = kubeconfig_path(kubeconfig)
    configuration = client.Configuration()
    try:
        # kubernetes leaves its config loaders unannotated
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=path, context=context, client_configuration=configuration,
            persist_config=False)
    except (config.ConfigException, yaml.YAMLError, OSError) as error:
        raise ClusterUnavailable(f"cannot use kubeconfig {path}: {_one_line(error)}") from None
    configuration.retries = 0  # one attempt: an absent server is reported at once
    return client.ApiClient(configuration)


def kubeconfig_path(kubeconfig: str | None) -> str:
    """--kubeconfig, else $KUBECONFIG (read now, not when kubernetes was imported), else
    ~/.kube/config; ClusterUnavailable when no file of it exists."""
    path = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    if not any(os.path.isfile(os.path.expanduser(p)) for p in path.split(os.pathsep)):
        raise ClusterUnavailable(f"no kubeconfig at {path}")
    return path


def _context(kubeconfig: str | None, context: str | None) -> tuple[str, str]:
    """The name and namespace of --context, or of the kubeconfig's current context."""
    path = kubeconfig_path(kubeconfig)
    try:
        # kubernetes leaves its config loaders unannotated
        contexts, current = config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
            config_file=path)
    except (config.ConfigException, yaml.YAMLError, OSError) as error:
        raise ClusterUnavailable(f"cannot use kubeconfig {path}: {_one_line(error)}") from None
    chosen = next((c for c in contexts if c["name"] == context), None) if context else current
    if chosen is None:
        raise ClusterUnavailable(f"cannot use kubeconfig {path}: no context {context!r} in it")
    return str(chosen["name"]), str((chosen.get("context") or {}).get("namespace") or "default")


def server_message(error: DynamicApiError) -> str:
    """The Status message of the error response, as kubectl prints it."""
    try:
        message = json.loads(error.body or "")["message"]  # no body: no JSON either
    except (TypeError, ValueError, KeyError):
        message = f"{error.status} {error.reason}"
    return " ".join(str(message).split())


def reason(error: urllib3.exceptions.HTTPError) -> str:
    """urllib3's innermost cause without its connection object: "[Errno 111] Connection refused"."""
    cause = getattr(error, "reason", None) or error
    text = str(cause.args[-1]) if cause.args else str(cause)
    return _CONNECTION.sub("", text)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def failure(error: DynamicApiError | urllib3.exceptions.HTTPError, timeout: float) -> str:
    """What went wrong with one request, on one line: the HTTP status and the server's own
    message, or why no answer came."""
    if isinstance(error, urllib3.exceptions.HTTPError):
        if timed_out(error):
            return f"no answer within {timeout:g} s (--request-timeout)"
        return f"no answer: {reason(error)}"
    return f"{error.status} {error.reason}: {server_message(error)}"


def timed_out(error: urllib3.exceptions.HTTPError) -> bool:
    """The server took too long, rather than could not be reached (urllib3 counts a
    refused connection as a connect timeout, for backwards compatibility)."""
    cause = getattr(error, "reason", error)
    return (isinstance(cause, urllib3.exceptions.TimeoutError)
            and not isinstance(cause, urllib3.exceptions.NewConnectionError))
