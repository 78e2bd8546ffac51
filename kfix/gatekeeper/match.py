"""Gatekeeper's constraint `spec.match`, decided in Python.

kfix decides whether a constraint applies to a review before any Rego runs, so a batch
only asks the engine about constraints that apply. The semantics follow Gatekeeper's
pkg/mutation/match (which its constraint target also uses) and the match CRD schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SCOPES = ("*", "Cluster", "Namespaced")
SOURCES = ("All", "Generated", "Original")
PROCESSES = ("audit", "webhook", "sync", "mutation-webhook", "*")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

# The match CRD's pattern for namespaces, excludedNamespaces and name.
_WILDCARD = re.compile(r"\*?[-:a-z0-9]*\*?")
# apimachinery's label key (optional DNS-subdomain prefix, then a name) and label value.
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def matches(
    match: Mapping[str, Any] | None,
    review: Mapping[str, Any],
    namespaces: Mapping[str, Mapping[str, Any]],
) -> bool:
    """Whether a constraint with this spec.match applies to this review.

    Assumes `match_errors(match)` is empty. As in Gatekeeper, the review matches when its
    object or its oldObject matches (whichever are present); with neither, Gatekeeper
    errors and this returns False. The namespace is `review.namespace`, else the object's
    `metadata.namespace`; a Namespace object's namespace is its own name.

    Where Gatekeeper errors instead of answering: a namespaced object whose
    Namespace is not in `namespaces` cannot satisfy a `namespaceSelector` (Gatekeeper,
    and so gator, report an error there); this returns False instead. An unknown `scope`
    matches everything, as in Gatekeeper. `source` is ignored, i.e. every review is an
    original resource, and `processes` is ignored, so `excludedNamespaces` always applies.
    """
    if not match:
        return True
    objects = [obj for obj in (review.get("object"), review.get("oldObject")) if obj]
    return any(_matches_object(match, review, obj, namespaces) for obj in objects)


def _matches_object(
    match: Mapping[str, Any],
    review: Mapping[str, Any],
    obj: Mapping[str, Any],
    namespaces: Mapping[str, Mapping[str, Any]],
) -> bool:
    """Every criterion of `match` against one of the review's objects."""
    metadata = obj.get("metadata") or {}
    group, kind = _group_kind(review, obj)
    is_namespace, ns_name, ns_labels = _namespace_of(review, obj, namespaces)
    name = metadata.get("name") or ""
    # Cluster-scoped: no namespace at all, which namespace criteria cannot disqualify.
    cluster_scoped = not is_namespace and not ns_name

    kinds = match.get("kinds")
    if kinds and not any(_kind_entry_matches(entry, group, kind) for entry in kinds):
        return False
    scope = match.get("scope")
    if scope == "Cluster" and not (is_namespace or cluster_scoped):
        return False
    if scope == "Namespaced" and (is_namespace or cluster_scoped):
        return False
    included = match.get("namespaces")
    if included and not cluster_scoped and not _any_wildcard(included, ns_name):
        return False
    excluded = match.get("excludedNamespaces")
    if excluded and not cluster_scoped and _any_wildcard(excluded, ns_name):
        return False
    selector = match.get("labelSelector")
    if selector is not None and not _selector_matches(selector, metadata.get("labels")):
        return False
    selector = match.get("namespaceSelector")
    if (
        selector is not None
        and not cluster_scoped
        and (ns_labels is None or not _selector_matches(selector, ns_labels))
    ):
        return False
    wanted = match.get("name")
    return not wanted or (
        _wildcard_matches(wanted, name)
        or _generate_name_matches(wanted, metadata.get("generateName") or "")
    )


def _namespace_of(review: Mapping[str, Any], obj: Mapping[str, Any],
                  namespaces: Mapping[str, Mapping[str, Any]]
                  ) -> tuple[bool, str, Mapping[str, Any] | None]:
    """(is a Namespace, its namespace's name, that Namespace's labels or None when the
    Namespace is unknown); a Namespace object is its own namespace."""
    metadata = obj.get("metadata") or {}
    group, kind = _group_kind(review, obj)
    if group == "" and kind == "Namespace":
        return True, metadata.get("name") or "", metadata.get("labels") or {}
    ns_name = review.get("namespace") or metadata.get("namespace") or ""
    ns_obj = namespaces.get(ns_name) if ns_name else None
    labels = None if ns_obj is None else (ns_obj.get("metadata") or {}).get("labels") or {}
    return False, ns_name, labels


def unresolved_namespace(match: Mapping[str, Any] | None, review: Mapping[str, Any],
                         namespaces: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The namespace a namespaceSelector needs but `namespaces` lacks: Gatekeeper (and so
    gator) reports an error there, where `matches` answers False."""
    if not match or match.get("namespaceSelector") is None:
        return None
    for obj in (review.get("object"), review.get("oldObject")):
        if obj:
            _, name, labels = _namespace_of(review, obj, namespaces)
            if name and labels is None:
                return str(name)
    return None


def _group_kind(review: Mapping[str, Any], obj: Mapping[str, Any]) -> tuple[str, str]:
    """The object's own group and kind, as Gatekeeper reads them; review.kind if absent."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str) and kind:
        return (api_version.rpartition("/")[0], kind)
    review_kind = review.get("kind") or {}
    return (review_kind.get("group") or "", review_kind.get("kind") or "")


def _kind_entry_matches(entry: Mapping[str, Any], group: str, kind: str) -> bool:
    """One `kinds` entry; an empty or missing list, or "*", allows anything."""
    kinds = entry.get("kinds") or []
    groups = entry.get("apiGroups") or []
    return (not kinds or "*" in kinds or kind in kinds) and (
        not groups or "*" in groups or group in groups
    )


def _any_wildcard(patterns: list[str], candidate: str) -> bool:
    """Whether a namespaces/excludedNamespaces list names the candidate."""
    return any(_wildcard_matches(pattern, candidate) for pattern in patterns)


def _wildcard_matches(pattern: str, candidate: str) -> bool:
    """Gatekeeper's Wildcard: exact, `prefix*`, `*suffix`, or `*infix*`."""
    core = pattern.removeprefix("*").removesuffix("*")
    if pattern.startswith("*") and pattern.endswith("*"):
        return core in candidate
    if pattern.startswith("*"):
        return candidate.endswith(core)
    if pattern.endswith("*"):
        return candidate.startswith(core)
    return pattern == candidate


def _generate_name_matches(pattern: str, generate_name: str) -> bool:
    """A generateName can only satisfy a glob that leaves its end open (`x*` or `*x*`)."""
    return pattern.endswith("*") and _wildcard_matches(pattern, generate_name)


def _selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str] | None) -> bool:
    """A Kubernetes LabelSelector, as apimachinery evaluates it; {} selects everything."""
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        present = key in labels
        if operator == "In":
            ok = present and labels[key] in values
        elif operator == "NotIn":
            ok = not present or labels[key] not in values
        elif operator == "Exists":
            ok = present
        else:
            ok = not present
        if not ok:
            return False
    return True


def match_errors(match: Any) -> list[str]:
    """What is wrong with a spec.match, one short message per problem naming the field.

    Checks the types and patterns of Gatekeeper's match CRD, plus what Gatekeeper only
    finds when matching (selector operators, values and label syntax), so a bad
    constraint is rejected up front. Stricter than Gatekeeper on `scope`: any value other
    than "*", "Cluster" or "Namespaced" is an error here, since Gatekeeper would silently
    match everything. Unknown fields are ignored, as the CRD's pruning does.
    """
    if match is None:
        return []
    if not isinstance(match, Mapping):
        return ["spec.match: must be an object"]
    errors: list[str] = []
    kinds = match.get("kinds")
    if kinds is not None:
        if not isinstance(kinds, list):
            errors.append("spec.match.kinds: must be a list")
        else:
            for i, entry in enumerate(kinds):
                field = f"spec.match.kinds[{i}]"
                if not isinstance(entry, Mapping):
                    errors.append(f"{field}: must be an object")
                    continue
                for key in ("apiGroups", "kinds"):
                    if entry.get(key) is not None and not _is_str_list(entry[key]):
                        errors.append(f"{field}.{key}: must be a list of strings")
    scope = match.get("scope")
    if scope not in (None, "", *SCOPES):
        errors.append(f"spec.match.scope: must be one of *, Cluster, Namespaced, not {scope!r}")
    for key in ("namespaces", "excludedNamespaces"):
        value = match.get(key)
        if value is None:
            continue
        if not _is_str_list(value):
            errors.append(f"spec.match.{key}: must be a list of strings")
            continue
        for i, item in enumerate(value):
            if not _WILDCARD.fullmatch(item):
                errors.append(_wildcard_error(f"spec.match.{key}[{i}]", item))
    name = match.get("name")
    if name is not None:
        if not isinstance(name, str):
            errors.append("spec.match.name: must be a string")
        elif not _WILDCARD.fullmatch(name):
            errors.append(_wildcard_error("spec.match.name", name))
    for key in ("labelSelector", "namespaceSelector"):
        if match.get(key) is not None:
            errors.extend(_selector_errors(f"spec.match.{key}", match[key]))
    source = match.get("source")
    if source not in (None, "", *SOURCES):
        errors.append(f"spec.match.source: must be one of All, Generated, Original, not {source!r}")
    processes = match.get("processes")
    if processes is not None and not (
        _is_str_list(processes) and all(p in PROCESSES for p in processes)
    ):
        errors.append(f"spec.match.processes: must be a list of {', '.join(PROCESSES)}")
    return errors


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _wildcard_error(field: str, value: str) -> str:
    return f"{field}: {value!r} is not a name with an optional leading or trailing '*'"


def _selector_errors(field: str, selector: Any) -> list[str]:
    """Why apimachinery's LabelSelectorAsSelector would refuse this selector."""
    if not isinstance(selector, Mapping):
        return [f"{field}: must be an object"]
    errors: list[str] = []
    labels = selector.get("matchLabels")
    if labels is not None:
        if not isinstance(labels, Mapping):
            errors.append(f"{field}.matchLabels: must be a map of strings")
        else:
            for key, value in labels.items():
                errors.extend(_label_key_errors(f"{field}.matchLabels", key))
                errors.extend(_label_value_errors(f"{field}.matchLabels[{key!r}]", value))
    expressions = selector.get("matchExpressions")
    if expressions is None:
        return errors
    if not isinstance(expressions, list):
        return [*errors, f"{field}.matchExpressions: must be a list"]
    for i, expression in enumerate(expressions):
        where = f"{field}.matchExpressions[{i}]"
        if not isinstance(expression, Mapping):
            errors.append(f"{where}: must be an object")
            continue
        errors.extend(_label_key_errors(f"{where}.key", expression.get("key")))
        operator = expression.get("operator")
        values = expression.get("values")
        if operator not in OPERATORS:
            errors.append(f"{where}.operator: {operator!r} is not one of {', '.join(OPERATORS)}")
        if values is not None and not _is_str_list(values):
            errors.append(f"{where}.values: must be a list of strings")
            continue
        if operator in ("In", "NotIn") and not values:
            errors.append(f"{where}.values: must not be empty for {operator}")
        elif operator in ("Exists", "DoesNotExist") and values:
            errors.append(f"{where}.values: must be empty for {operator}")
        for j, value in enumerate(values or []):
            errors.extend(_label_value_errors(f"{where}.values[{j}]", value))
    return errors


def _label_key_errors(field: str, key: Any) -> list[str]:
    """A label key: optional DNS-subdomain prefix and '/', then a name of up to 63."""
    if not isinstance(key, str):
        return [f"{field}: label key must be a string"]
    prefix, _, name = key.rpartition("/")
    valid = (
        len(name) <= 63
        and _LABEL_NAME.fullmatch(name) is not None
        and ("/" not in key or (len(prefix) <= 253 and _DNS_SUBDOMAIN.fullmatch(prefix)))
    )
    return [] if valid else [f"{field}: {key!r} is not a valid label key"]


def _label_value_errors(field: str, value: Any) -> list[str]:
    """A label value: empty, or a name of up to 63 characters."""
    if not isinstance(value, str):
        return [f"{field}: label value must be a string"]
    if value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value)):
        return [f"{field}: {value!r} is not a valid label value"]
    return []
