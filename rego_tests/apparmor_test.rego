package kfix.policies.apparmor_test

import data.kfix.policies.apparmor as policy
import data.kfix.test.helpers as h

profile(type) := {"securityContext": {"appArmorProfile": {"type": type}}}

annotate(doc, path, annotations) := json.patch(doc, [{"op": "add", "path": path, "value": annotations}])

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_pod_level_unconfined_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, h.pod_spec_with([h.container("app")], profile("Unconfined")))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/securityContext/appArmorProfile/type"])}
	}
}

test_allowed_types_pass if {
	spec := h.pod_spec_with(
		[h.container_with("a", profile("Localhost")), h.container_with("b", {"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-nginx"}}}), h.container("c")],
		profile("RuntimeDefault"),
	)
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
}

test_container_level_flagged if {
	spec := h.pod_spec([h.container_with("app", profile("Unconfined"))])
	results := policy.deny with input as h.workload("Deployment", spec)
	results == {{
		"msg": "Deployment/web: container \"app\" sets securityContext.appArmorProfile.type to Unconfined; only RuntimeDefault or Localhost is allowed",
		"pointer": "/spec/template/spec/containers/0/securityContext/appArmorProfile/type",
	}}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container_with("setup", profile("runtime/default"))],
		"ephemeralContainers": [h.container_with("debug", profile("Unconfined"))],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/appArmorProfile/type",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/appArmorProfile/type",
	}
}

test_annotations_on_pod_template if {
	doc := annotate(h.hardened("Deployment"), "/spec/template/metadata/annotations", {
		"container.apparmor.security.beta.kubernetes.io/app": "unconfined",
		"container.apparmor.security.beta.kubernetes.io/ok": "runtime/default",
		"container.apparmor.security.beta.kubernetes.io/local": "localhost/k8s-nginx",
		"example.com/unrelated": "unconfined",
	})
	results := policy.deny with input as doc
	results == {{
		"msg": "Deployment/web: annotation container.apparmor.security.beta.kubernetes.io/app is unconfined; only runtime/default or localhost/<profile> is allowed",
		"pointer": "/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app",
	}}
}

test_annotations_on_pod_and_cronjob if {
	key := "container.apparmor.security.beta.kubernetes.io/app"
	pod := annotate(h.hardened("Pod"), "/metadata/annotations", {key: "docker/default"})
	h.pointers(policy.deny) == {"/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app"} with input as pod
	cronjob := annotate(h.hardened("CronJob"), "/spec/jobTemplate/spec/template/metadata/annotations", {key: ""})
	h.pointers(policy.deny) == {"/spec/jobTemplate/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app"} with input as cronjob
}

test_annotations_on_workload_metadata_ignored if {
	doc := annotate(h.hardened("Deployment"), "/metadata/annotations", {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"})
	count(policy.deny) == 0 with input as doc
}

test_ill_typed if {
	spec := h.pod_spec_with([
		h.container_with("a", {"securityContext": {"appArmorProfile": "Unconfined"}}),
		h.container_with("b", {"securityContext": {"appArmorProfile": {"type": null}}}),
		h.container_with("c", {"securityContext": {"appArmorProfile": {"type": 3}}}),
		{"name": "d", "securityContext": "oops"},
	], {"securityContext": {"appArmorProfile": [1]}})
	doc := annotate(h.workload("Pod", spec), "/metadata/annotations", {"container.apparmor.security.beta.kubernetes.io/x": 7})
	h.pointers(policy.deny) == {
		"/spec/containers/2/securityContext/appArmorProfile/type",
		"/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1x",
	} with input as doc
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	svc := {"kind": "Service", "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}}}
	count(policy.deny) == 0 with input as svc
}
