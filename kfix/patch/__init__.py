"""kfix fix: patch manifests so they pass their policies, then write them back."""
