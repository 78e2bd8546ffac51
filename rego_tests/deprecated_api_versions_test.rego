package kfix.policies.deprecated_api_versions_test

import data.kfix.policies.deprecated_api_versions as policy
import data.kfix.test.helpers as h

doc(api_version, kind) := {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {}}

test_removed_pairs if {
	policy.deny == {{
		"msg": "Deployment/x: extensions/v1beta1 Deployment was removed in Kubernetes 1.16; use apps/v1",
		"pointer": "/apiVersion",
	}} with input as doc("extensions/v1beta1", "Deployment")
	policy.deny == {{
		"msg": "CronJob/x: batch/v1beta1 CronJob was removed in Kubernetes 1.25; use batch/v1",
		"pointer": "/apiVersion",
	}} with input as doc("batch/v1beta1", "CronJob")
	every pair in [
		["apps/v1beta1", "StatefulSet"], ["apps/v1beta2", "DaemonSet"], ["policy/v1beta1", "PodDisruptionBudget"],
		["policy/v1beta1", "PodSecurityPolicy"], ["networking.k8s.io/v1beta1", "Ingress"], ["extensions/v1beta1", "Ingress"],
		["rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"], ["apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"],
		["autoscaling/v2beta1", "HorizontalPodAutoscaler"], ["autoscaling/v2beta2", "HorizontalPodAutoscaler"],
	] {
		count(policy.deny) == 1 with input as doc(pair[0], pair[1])
	}
}

test_current_versions_pass if {
	every pair in [
		["apps/v1", "Deployment"], ["batch/v1", "CronJob"], ["policy/v1", "PodDisruptionBudget"],
		["networking.k8s.io/v1", "Ingress"], ["autoscaling/v2", "HorizontalPodAutoscaler"],
		["autoscaling/v1", "HorizontalPodAutoscaler"], ["extensions/v1beta1", "Widget"], ["example.com/v1beta1", "Deployment"],
	] {
		count(policy.deny) == 0 with input as doc(pair[0], pair[1])
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_ill_typed if {
	count(policy.deny) == 0 with input as {"apiVersion": ["extensions/v1beta1"], "kind": "Deployment"}
	count(policy.deny) == 0 with input as {"apiVersion": "extensions/v1beta1", "kind": ["Deployment"]}
	count(policy.deny) == 0 with input as {"apiVersion": "extensions/v1beta1"}
	count(policy.deny) == 0 with input as {"apiVersion": null, "kind": "Deployment"}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
