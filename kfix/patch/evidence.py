"""Evidence from the inputs that a fix would take away something a workload uses.

- A container whose command, arguments or lifecycle hooks run a tool that needs
  privilege (`sysctl`, `iptables`, `mount`, `modprobe`, `chown`, `setcap`, ...) loses it
  when a fix drops privileged mode, capabilities or privilege escalation.
- A DaemonSet is usually a node agent: taking the node's namespaces from it is what
  stops it working.
- A ServiceAccount bound by a RoleBinding or ClusterRoleBinding among the inputs is used
  to call the API: its pods need their token (fragments read `bindings`).

Such fixes are at least high risk, with the reason named; see loop.FixLoop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfix import pointer as jp
from kfix.k8s import CONTAINER_LISTS, POD_SPEC_PATHS, list_of, mapping_of, text_of

# tools that need root or capabilities at run time
PRIVILEGED_TOOLS = ("sysctl", "iptables", "ip6tables", "nft", "mount", "umount", "modprobe",
                    "insmod", "chown", "chmod", "setcap", "chroot", "nsenter", "ip", "tc",
                    "ethtool", "mknod", "losetup")
_TOOL = re.compile(r"(?<![\w.-])(?:/[\w./-]*/)?(" + "|".join(PRIVILEGED_TOOLS) + r")(?![\w.-])")
_PRIVILEGE_FIELDS = ("privileged", "capabilities", "allowPrivilegeEscalation")
_HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
_BINDINGS = ("RoleBinding", "ClusterRoleBinding")


@dataclass(frozen=True)
class Bindings:
    """ServiceAccounts that RoleBindings and ClusterRoleBindings among the inputs bind, as
    (namespace, name); namespace "" where the binding does not say."""

    accounts: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, documents: Iterable[Any], kinds: Sequence[str] = _BINDINGS) -> Bindings:
        """The accounts bound by documents of these kinds (default: both binding kinds)."""
        found = set()
        for document in documents:
            if not isinstance(document, Mapping) or document.get("kind") not in kinds:
                continue
            home = text_of(mapping_of(document.get("metadata")).get("namespace"))
            for subject in list_of(document.get("subjects")):
                if isinstance(subject, Mapping) and subject.get("kind") == "ServiceAccount":
                    found.add((text_of(subject.get("namespace")) or home,
                               text_of(subject.get("name"))))
        return cls(frozenset(found))

    def bound(self, namespace: str, account: str) -> bool:
        """Whether a pod's ServiceAccount is bound; a namespace unknown on either side
        (a manifest that kustomize or a chart places later) matches any."""
        return any(name == account and (not ns or not namespace or ns == namespace)
                   for ns, name in self.accounts)

    def __add__(self, other: Bindings) -> Bindings:
        return Bindings(self.accounts | other.accounts)


def reasons(document: Any, operations: Sequence[Mapping[str, Any]]) -> list[str]:
    """Why these operations would take from the workload something it uses."""
    if not isinstance(document, Mapping):
        return []
    kind = document.get("kind")
    path = POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None
    if path is None:
        return []
    pod = jp.join("", *path)
    found: list[str] = []
    for op in operations:
        segments = jp.split(op["path"])
        base = jp.split(pod)
        rest = segments[len(base):] if segments[:len(base)] == base else []
        if len(rest) == 1 and rest[0] in _HOST_NAMESPACES and kind == "DaemonSet":
            found.append(f"a DaemonSet is a node agent, which may need {rest[0]}")
        if (len(rest) >= 4 and rest[0] in CONTAINER_LISTS and rest[2] == "securityContext"
                and rest[3] in _PRIVILEGE_FIELDS):
            container = jp.resolve(document, jp.join(pod, rest[0], rest[1]))
            tools = sorted(set(_tools(container)))
            name = container.get("name") if isinstance(container, Mapping) else rest[1]
            if tools:
                found.append(f"container {name!r} runs {', '.join(tools)}, which needs "
                             "the privilege")
    return list(dict.fromkeys(found))


def _tools(container: Any) -> Iterable[str]:
    if not isinstance(container, Mapping):
        return
    words: list[Any] = [*list_of(container.get("command")), *list_of(container.get("args"))]
    for hook in mapping_of(container.get("lifecycle")).values():
        words += list_of(mapping_of(mapping_of(hook).get("exec")).get("command"))
    for word in words:
        if isinstance(word, str):
            yield from (match.group(1) for match in _TOOL.finditer(word))
