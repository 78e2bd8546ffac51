"""Settings that come from more than one flag: --set and the config file's `params:`
for fragments, and the model's flags, KFIX_LLM_* and the config file's `llm:`."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from kfix.cache import cache_dir
from kfix.cli import config
from kfix.cli.options import LLM_FLAGS

if TYPE_CHECKING:
    from kfix.llm.client import LlmConfig
    from kfix.runner.cluster import ClusterSource


def params(settings: tuple[str, ...]) -> dict[str, Any]:
    """Fragment parameters: the config file's `params:`, then each --set KEY=VALUE over
    them, the value read as a YAML scalar (true, 3, 100m)."""
    import yaml

    found = dict(config.current().section("params"))
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{setting!r} is not KEY=VALUE", param_hint="--set")
        found[key] = yaml.safe_load(value) if value else ""
    return found


def llm(flags: dict[str, Any], needed_by: str = "") -> tuple[LlmConfig | None, bool]:
    """The model's settings (None: no model anywhere) and whether to use the cache; takes
    the llm flags out of `flags`. `needed_by` names what cannot run without one."""
    from kfix.llm.client import LlmConfig

    given = {name: flags.pop(name) for name in LLM_FLAGS}
    use_cache = not flags.pop("no_cache")
    config_section = {"cache_dir": str(cache_dir("llm")), **config.current().section("llm")}
    found = LlmConfig.load(flags=given, environ=os.environ, config=config_section)
    if needed_by and found is None:
        raise click.UsageError(f"{needed_by} needs a model: give --llm-url, "
                               "KFIX_LLM_BASE_URL or `llm: {base_url: ...}` in the config file")
    return found, use_cache


def cluster_source(paths: tuple[str, ...], flags: dict[str, Any]) -> ClusterSource | None:
    """What --cluster and its flags (taken out of `flags`) choose to read; None for files."""
    cluster = flags.pop("cluster")
    namespaces, every = flags.pop("cluster_namespaces"), flags.pop("all_cluster_namespaces")
    kinds, timeout = flags.pop("kinds"), flags.pop("request_timeout")
    kubeconfig, context = flags.pop("kubeconfig"), flags.pop("context")
    if cluster and paths:
        raise click.UsageError("give files or --cluster, not both")
    if not cluster and (namespaces or every or kinds):
        raise click.UsageError("--cluster-namespace, --all-cluster-namespaces and --kind "
                               "choose what --cluster reads")
    if not cluster:
        return None
    # imported for --cluster only: the Kubernetes client takes 0.45 s to import
    from kfix.cluster.read import Selection
    from kfix.runner.cluster import ClusterSource

    return ClusterSource(kubeconfig, context, Selection(namespaces, every, kinds, timeout))
