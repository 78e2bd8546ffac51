"""Runtime invariants: what the API server's validation or the kubelet refuses although
the OpenAPI schema lets it through. A fix may not bring one in.

Each invariant mirrors one rule of Kubernetes (named in `mirrors`) and reads the pod spec
as Kubernetes does: a container's securityContext over the pod's. They are Python, not
Rego, because they must hold whatever policies a run loads (`-p`, `--policy-id`,
`--profile` choose among those), cost no engine call, and follow the Go validation code
one function each. The verifier rejects a candidate fix whose document breaks an
invariant its original did not (`breaks <name>: ...`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kfix import pointer as jp
from kfix.k8s import CONTAINER_LISTS, POD_SPEC_PATHS, mapping_of


@dataclass(frozen=True)
class Violation:
    invariant: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"breaks {self.invariant}: {self.message} (at {self.pointer or '/'})"


@dataclass(frozen=True)
class _Container:
    pointer: str
    name: str
    value: Mapping[str, Any]
    context: Mapping[str, Any]  # its own securityContext


@dataclass(frozen=True)
class _Pod:
    pointer: str
    spec: Mapping[str, Any]
    context: Mapping[str, Any]  # the pod's securityContext
    containers: tuple[_Container, ...]

    def effective(self, container: _Container, *path: str) -> Any:
        """A security setting as the kubelet sees it: the container's, else the pod's."""
        own = _get(container.context, *path)
        return own if own is not None else _get(self.context, *path)


Check = Callable[[_Pod], Iterator[tuple[str, str]]]  # (pointer, message)


@dataclass(frozen=True)
class Invariant:
    name: str
    mirrors: str  # the Kubernetes rule, as its source names it
    check: Check


def violations(document: Any) -> list[Violation]:
    """Every invariant the document's pod spec breaks; none for other documents."""
    pod = _pod(document)
    if pod is None:
        return []
    return [Violation(invariant.name, pointer, message)
            for invariant in INVARIANTS for pointer, message in invariant.check(pod)]


def introduced(before: Any, after: Any) -> list[Violation]:
    """What `after` breaks that `before` did not: a fix's own doing."""
    old = {(v.invariant, v.message) for v in violations(before)}
    return [v for v in violations(after) if (v.invariant, v.message) not in old]


# -- the invariants ---------------------------------------------------------------------


def _non_root_as_root(pod: _Pod) -> Iterator[tuple[str, str]]:
    for c in pod.containers:
        if pod.effective(c, "runAsNonRoot") is True and _is_zero(pod.effective(c, "runAsUser")):
            yield (f"{c.pointer}/securityContext/runAsNonRoot",
                   f"container {c.name!r} has runAsNonRoot: true and runAsUser: 0; "
                   "the kubelet will not start it")


def _escalation_with_privilege(pod: _Pod) -> Iterator[tuple[str, str]]:
    for c in pod.containers:
        if _get(c.context, "allowPrivilegeEscalation") is not False:
            continue
        if _get(c.context, "privileged") is True:
            yield (f"{c.pointer}/securityContext/allowPrivilegeEscalation",
                   f"container {c.name!r} sets allowPrivilegeEscalation: false and "
                   "privileged: true")
        added = _get(c.context, "capabilities", "add")
        if isinstance(added, list) and {"CAP_SYS_ADMIN", "SYS_ADMIN"} & set(map(str, added)):
            yield (f"{c.pointer}/securityContext/allowPrivilegeEscalation",
                   f"container {c.name!r} sets allowPrivilegeEscalation: false and adds "
                   "CAP_SYS_ADMIN")


def _host_network_ports(pod: _Pod) -> Iterator[tuple[str, str]]:
    if pod.spec.get("hostNetwork") is not True:
        return
    for c in pod.containers:
        for index, port in _items(c.value.get("ports")):
            host, container = port.get("hostPort"), port.get("containerPort")
            if host not in (None, 0) and host != container:
                yield (f"{c.pointer}/ports/{index}/hostPort",
                       f"container {c.name!r} maps hostPort {host} to containerPort "
                       f"{container}: with hostNetwork they must be equal")


def _host_process(pod: _Pod) -> Iterator[tuple[str, str]]:
    flags = {c.name: pod.effective(c, "windowsOptions", "hostProcess") is True
             for c in pod.containers}
    if not any(flags.values()):
        return
    if pod.spec.get("hostNetwork") is not True:
        yield (f"{pod.pointer}/hostNetwork",
               "a hostProcess pod must set hostNetwork: true")
    others = sorted(name for name, host in flags.items() if not host)
    if others:
        yield (f"{pod.pointer}/securityContext/windowsOptions/hostProcess",
               f"a hostProcess pod's containers must all be hostProcess: {others} are not")


def _localhost_profiles(pod: _Pod) -> Iterator[tuple[str, str]]:
    contexts = [(f"{pod.pointer}/securityContext", "the pod", pod.context)] + [
        (f"{c.pointer}/securityContext", f"container {c.name!r}", c.context)
        for c in pod.containers]
    for base, who, context in contexts:
        for field in ("seccompProfile", "appArmorProfile"):
            profile = context.get(field)
            if (isinstance(profile, Mapping) and profile.get("type") == "Localhost"
                    and not profile.get("localhostProfile")):
                yield (f"{base}/{field}/localhostProfile",
                       f"{who} sets {field}.type Localhost without localhostProfile")


def _requests_within_limits(pod: _Pod) -> Iterator[tuple[str, str]]:
    for c in pod.containers:
        resources = c.value.get("resources")
        resources = resources if isinstance(resources, Mapping) else {}
        requests, limits = resources.get("requests"), resources.get("limits")
        if not (isinstance(requests, Mapping) and isinstance(limits, Mapping)):
            continue
        for name, request in requests.items():
            wanted, most = quantity(request), quantity(limits.get(name))
            if wanted is not None and most is not None and wanted > most:
                yield (f"{c.pointer}/resources/requests/{jp.escape(name)}",
                       f"container {c.name!r} requests {request} {name}, more than its "
                       f"limit {limits[name]}")


def _unique_names_and_ports(pod: _Pod) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    host_ports: set[tuple[Any, Any, Any]] = set()
    for c in pod.containers:
        if c.name in seen:
            yield f"{c.pointer}/name", f"container name {c.name!r} is used twice"
        seen.add(c.name)
        port_names: set[str] = set()
        for index, port in _items(c.value.get("ports")):
            name = port.get("name")
            if isinstance(name, str) and name:
                if name in port_names:
                    yield (f"{c.pointer}/ports/{index}/name",
                           f"container {c.name!r} names two ports {name!r}")
                port_names.add(name)
            host = port.get("hostPort")
            if host not in (None, 0):
                key = (host, port.get("protocol") or "TCP", port.get("hostIP") or "")
                if key in host_ports:
                    yield (f"{c.pointer}/ports/{index}/hostPort",
                           f"hostPort {host}/{key[1]} is taken by two ports of the pod")
                host_ports.add(key)


INVARIANTS = (
    Invariant("run-as-non-root-as-root", "kubelet verifyRunAsNonRoot: runAsNonRoot with "
              "runAsUser 0 fails with CreateContainerConfigError", _non_root_as_root),
    Invariant("no-escalation-with-privilege", "validation validateContainerSecurityContext "
              "(allowPrivilegeEscalation false with privileged or CAP_SYS_ADMIN)",
              _escalation_with_privilege),
    Invariant("host-network-ports", "validation validateHostNetwork (hostPort must match "
              "containerPort when hostNetwork is true)", _host_network_ports),
    Invariant("host-process", "validation validateWindowsHostProcessPod (hostNetwork, and "
              "every container hostProcess alike)", _host_process),
    Invariant("localhost-profile", "validation validateSeccompProfileField and "
              "validateAppArmorProfileField (Localhost needs localhostProfile)",
              _localhost_profiles),
    Invariant("requests-within-limits", "validation ValidateResourceRequirements (a "
              "request must be less than or equal to its limit)", _requests_within_limits),
    Invariant("unique-names-and-ports", "validation validateContainers and "
              "AccumulateUniqueHostPorts (container names, port names, host ports)",
              _unique_names_and_ports),
)


# -- reading the pod spec -----------------------------------------------------------------

_QUANTITY = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$")
_SUFFIXES = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
    "P": Decimal("1e15"), "E": Decimal("1e18"),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity ("500m", "1.5Gi", 2, "1e3") as a number; None if it is none."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    match = _QUANTITY.match(str(value).strip())
    if match is None:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        if suffix[:1] in ("e", "E"):
            return Decimal(number + suffix)
        return Decimal(number) * _SUFFIXES[suffix]
    except (InvalidOperation, KeyError):
        return None


def _pod(document: Any) -> _Pod | None:
    if not isinstance(document, Mapping):
        return None
    kind = document.get("kind")
    path = POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None
    spec = _get(document, *path) if path else None
    if path is None or not isinstance(spec, Mapping):
        return None
    pointer = jp.join("", *path)
    context = spec.get("securityContext")
    containers = tuple(
        _Container(f"{pointer}/{name}/{index}", str(item.get("name", f"#{index}")), item,
                   mapping_of(item.get("securityContext")))
        for name in CONTAINER_LISTS for index, item in _items(spec.get(name)))
    return _Pod(pointer, spec, mapping_of(context), containers)


def _items(value: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, Mapping))


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_zero(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value == 0
