package kfix.lib.k8s_pss_test

import data.kfix.lib.k8s
import data.kfix.test.helpers as h

pod_metadata_pointers := {
	"Pod": "/metadata",
	"PodTemplate": "/template/metadata",
	"ReplicationController": "/spec/template/metadata",
	"Deployment": "/spec/template/metadata",
	"StatefulSet": "/spec/template/metadata",
	"DaemonSet": "/spec/template/metadata",
	"ReplicaSet": "/spec/template/metadata",
	"Job": "/spec/template/metadata",
	"CronJob": "/spec/jobTemplate/spec/template/metadata",
}

test_pod_metadata_pointer_every_kind if {
	every kind in h.kinds {
		k8s.pod_metadata_pointer == pod_metadata_pointers[kind] with input as h.hardened(kind)
	}
}

test_pod_metadata_of_template if {
	k8s.pod_metadata == {"labels": {"app": "web"}} with input as h.hardened("CronJob")
}

test_pod_metadata_of_pod_is_its_own if {
	k8s.pod_metadata == {"name": "web", "labels": {"app": "web"}} with input as h.hardened("Pod")
}

test_pod_annotations if {
	doc := json.patch(h.hardened("Deployment"), [{"op": "add", "path": "/spec/template/metadata/annotations", "value": {"a/b": "x", "c": 1}}])
	k8s.pod_annotations == {
		{"key": "a/b", "value": "x", "pointer": "/spec/template/metadata/annotations/a~1b"},
		{"key": "c", "value": 1, "pointer": "/spec/template/metadata/annotations/c"},
	} with input as doc
}

test_pod_annotations_ill_typed if {
	every annotations in [null, "x", [1], 3] {
		doc := json.patch(h.hardened("Pod"), [{"op": "add", "path": "/metadata/annotations", "value": annotations}])
		count(k8s.pod_annotations) == 0 with input as doc
	}
}

test_pod_metadata_ill_typed if {
	doc := json.patch(h.hardened("Deployment"), [{"op": "replace", "path": "/spec/template/metadata", "value": "oops"}])
	not k8s.pod_metadata with input as doc
	count(k8s.pod_annotations) == 0 with input as doc
}

test_security_contexts_every_level if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [{"name": "setup", "securityContext": "oops"}],
		"ephemeralContainers": [{"name": "debug"}],
	})
	scs := k8s.security_contexts with input as h.workload("CronJob", spec)
	{[s.level, s.label, s.pointer, s.context] | some s in scs} == {
		["pod", "the pod", "/spec/jobTemplate/spec/template/spec/securityContext", h.pod_spec([]).securityContext],
		["container", "container \"app\"", "/spec/jobTemplate/spec/template/spec/containers/0/securityContext", h.container("app").securityContext],
		["container", "init container \"setup\"", "/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext", {}],
		["container", "ephemeral container \"debug\"", "/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext", {}],
	}
}

test_security_contexts_pod_level_ill_typed if {
	scs := k8s.security_contexts with input as {"kind": "Pod", "spec": {"securityContext": [1]}}
	scs == {{"context": {}, "level": "pod", "label": "the pod", "pointer": "/spec/securityContext"}}
}

test_pss_helpers_ignore_other_documents if {
	every doc in h.ignored_documents {
		k8s_empty with input as doc
	}
}

k8s_empty if {
	count([s | some s in k8s.security_contexts; s.level == "container"]) == 0
	count(k8s.pod_annotations) == 0
}
