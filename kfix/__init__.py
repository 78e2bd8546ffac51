"""kfix: policy-as-code for Kubernetes manifests on embedded OPA."""

from __future__ import annotations

__version__ = "0.1.0"
