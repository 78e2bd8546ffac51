package kfix.policies.default_namespace_test

import data.kfix.policies.default_namespace as policy
import data.kfix.test.helpers as h

in_namespace(doc, ns) := json.patch(doc, [{"op": "add", "path": "/metadata/namespace", "value": ns}])

test_default_every_workload_kind if {
	every kind in h.kinds {
		policy.deny == {{
			"msg": sprintf("%s/web: is deployed into the default namespace (metadata.namespace)", [kind]),
			"pointer": "/metadata/namespace",
		}} with input as in_namespace(h.hardened(kind), "default")
	}
}

test_service_configmap_secret if {
	every kind in {"Service", "ConfigMap", "Secret"} {
		count(policy.deny) == 1 with input as {"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "namespace": "default"}}
	}
}

test_missing_or_other_namespace_passes if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
		count(policy.deny) == 0 with input as in_namespace(h.hardened(kind), "shop")
	}
}

test_cluster_scoped_and_ill_typed if {
	count(policy.deny) == 0 with input as {"kind": "Namespace", "metadata": {"name": "default"}}
	count(policy.deny) == 0 with input as {"kind": "ClusterRole", "metadata": {"name": "x", "namespace": "default"}}
	count(policy.deny) == 0 with input as {"kind": "Pod", "metadata": {"namespace": ["default"]}}
	count(policy.deny) == 0 with input as {"kind": "Pod", "metadata": "default"}
	count(policy.deny) == 0 with input as {"kind": "Pod", "metadata": {"namespace": "Default"}}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
