# METADATA
# title: Removed API version
# description: The API server no longer serves this apiVersion for this kind, so the manifest cannot be applied to a current cluster; move it to the replacement API, whose schema may differ.
# scope: package
# custom:
#   id: deprecated-api-versions
#   severity: high
#   profile: best-practice
#   input_keys: [apiVersion, kind, metadata]
#   no_fix_reason: needs a human decision (the replacement API can change the schema, e.g. a required selector or a new backend shape)
#   risk: medium
#   effect: the object uses the replacement API version, which may default or validate fields differently
package kfix.policies.deprecated_api_versions

import data.kfix.lib.k8s

# apiVersion -> kind -> [replacement, Kubernetes version that removed it].
removed := {
	"extensions/v1beta1": {
		"Deployment": ["apps/v1", "1.16"],
		"DaemonSet": ["apps/v1", "1.16"],
		"ReplicaSet": ["apps/v1", "1.16"],
		"NetworkPolicy": ["networking.k8s.io/v1", "1.16"],
		"PodSecurityPolicy": ["Pod Security Admission (no replacement API)", "1.16"],
		"Ingress": ["networking.k8s.io/v1", "1.22"],
	},
	"apps/v1beta1": {
		"Deployment": ["apps/v1", "1.16"],
		"StatefulSet": ["apps/v1", "1.16"],
		"ReplicaSet": ["apps/v1", "1.16"],
		"ControllerRevision": ["apps/v1", "1.16"],
	},
	"apps/v1beta2": {
		"Deployment": ["apps/v1", "1.16"],
		"StatefulSet": ["apps/v1", "1.16"],
		"DaemonSet": ["apps/v1", "1.16"],
		"ReplicaSet": ["apps/v1", "1.16"],
		"ControllerRevision": ["apps/v1", "1.16"],
	},
	"batch/v1beta1": {"CronJob": ["batch/v1", "1.25"]},
	"batch/v2alpha1": {"CronJob": ["batch/v1", "1.21"]},
	"policy/v1beta1": {
		"PodDisruptionBudget": ["policy/v1", "1.25"],
		"PodSecurityPolicy": ["Pod Security Admission (no replacement API)", "1.25"],
	},
	"networking.k8s.io/v1beta1": {
		"Ingress": ["networking.k8s.io/v1", "1.22"],
		"IngressClass": ["networking.k8s.io/v1", "1.22"],
	},
	"rbac.authorization.k8s.io/v1beta1": {
		"Role": ["rbac.authorization.k8s.io/v1", "1.22"],
		"RoleBinding": ["rbac.authorization.k8s.io/v1", "1.22"],
		"ClusterRole": ["rbac.authorization.k8s.io/v1", "1.22"],
		"ClusterRoleBinding": ["rbac.authorization.k8s.io/v1", "1.22"],
	},
	"rbac.authorization.k8s.io/v1alpha1": {
		"Role": ["rbac.authorization.k8s.io/v1", "1.22"],
		"RoleBinding": ["rbac.authorization.k8s.io/v1", "1.22"],
		"ClusterRole": ["rbac.authorization.k8s.io/v1", "1.22"],
		"ClusterRoleBinding": ["rbac.authorization.k8s.io/v1", "1.22"],
	},
	"apiextensions.k8s.io/v1beta1": {"CustomResourceDefinition": ["apiextensions.k8s.io/v1", "1.22"]},
	"apiregistration.k8s.io/v1beta1": {"APIService": ["apiregistration.k8s.io/v1", "1.22"]},
	"admissionregistration.k8s.io/v1beta1": {
		"MutatingWebhookConfiguration": ["admissionregistration.k8s.io/v1", "1.22"],
		"ValidatingWebhookConfiguration": ["admissionregistration.k8s.io/v1", "1.22"],
	},
	"certificates.k8s.io/v1beta1": {"CertificateSigningRequest": ["certificates.k8s.io/v1", "1.22"]},
	"coordination.k8s.io/v1beta1": {"Lease": ["coordination.k8s.io/v1", "1.22"]},
	"scheduling.k8s.io/v1beta1": {"PriorityClass": ["scheduling.k8s.io/v1", "1.22"]},
	"scheduling.k8s.io/v1alpha1": {"PriorityClass": ["scheduling.k8s.io/v1", "1.17"]},
	"storage.k8s.io/v1beta1": {
		"CSIDriver": ["storage.k8s.io/v1", "1.22"],
		"CSINode": ["storage.k8s.io/v1", "1.22"],
		"StorageClass": ["storage.k8s.io/v1", "1.22"],
		"VolumeAttachment": ["storage.k8s.io/v1", "1.22"],
		"CSIStorageCapacity": ["storage.k8s.io/v1", "1.27"],
	},
	"discovery.k8s.io/v1beta1": {"EndpointSlice": ["discovery.k8s.io/v1", "1.25"]},
	"events.k8s.io/v1beta1": {"Event": ["events.k8s.io/v1", "1.25"]},
	"node.k8s.io/v1beta1": {"RuntimeClass": ["node.k8s.io/v1", "1.25"]},
	"autoscaling/v2beta1": {"HorizontalPodAutoscaler": ["autoscaling/v2", "1.25"]},
	"autoscaling/v2beta2": {"HorizontalPodAutoscaler": ["autoscaling/v2", "1.26"]},
	"flowcontrol.apiserver.k8s.io/v1beta1": {
		"FlowSchema": ["flowcontrol.apiserver.k8s.io/v1", "1.26"],
		"PriorityLevelConfiguration": ["flowcontrol.apiserver.k8s.io/v1", "1.26"],
	},
	"flowcontrol.apiserver.k8s.io/v1beta2": {
		"FlowSchema": ["flowcontrol.apiserver.k8s.io/v1", "1.29"],
		"PriorityLevelConfiguration": ["flowcontrol.apiserver.k8s.io/v1", "1.29"],
	},
	"flowcontrol.apiserver.k8s.io/v1beta3": {
		"FlowSchema": ["flowcontrol.apiserver.k8s.io/v1", "1.32"],
		"PriorityLevelConfiguration": ["flowcontrol.apiserver.k8s.io/v1", "1.32"],
	},
}

# A document whose apiVersion/kind pair the API server no longer serves.
deny contains result if {
	api_version := input.apiVersion
	is_string(api_version)
	entry := removed[api_version][k8s.kind]
	result := {
		"msg": sprintf("%s: %s %s was removed in Kubernetes %s; use %s", [k8s.resource, api_version, k8s.kind, entry[1], entry[0]]),
		"pointer": "/apiVersion",
	}
}
