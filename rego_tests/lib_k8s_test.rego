package kfix.lib.k8s_test

import data.kfix.lib.k8s
import data.kfix.test.helpers as h

test_pod_spec_pointer_every_kind if {
	every kind in h.kinds {
		k8s.pod_spec_pointer == h.spec_pointers[kind] with input as h.hardened(kind)
	}
}

test_pod_spec_every_kind if {
	every kind in h.kinds {
		k8s.pod_spec == h.pod_spec([h.container("app")]) with input as h.hardened(kind)
	}
}

test_cronjob_pointer if {
	k8s.pod_spec_pointer == "/spec/jobTemplate/spec/template/spec" with input as h.hardened("CronJob")
}

test_pod_template_pointer if {
	k8s.pod_spec_pointer == "/template/spec" with input as h.hardened("PodTemplate")
}

test_resource_name if {
	k8s.resource == "Deployment/web" with input as h.hardened("Deployment")
}

test_resource_generate_name if {
	doc := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "migrate-"}}
	k8s.resource == "Job/migrate-" with input as doc
}

test_resource_unnamed if {
	k8s.resource == "Pod/<unnamed>" with input as {"kind": "Pod", "metadata": {"name": 3}, "spec": {}}
}

test_containers_all_lists if {
	spec := object.union(h.pod_spec([h.container("app"), h.container("sidecar")]), {
		"initContainers": [h.container("setup"), h.container("migrate")],
		"ephemeralContainers": [h.container("debug")],
	})
	cs := k8s.containers with input as h.workload("Deployment", spec)
	{[c.list, c.index, c.name, c.pointer, c.label] | some c in cs} == {
		["containers", 0, "app", "/spec/template/spec/containers/0", "container \"app\""],
		["containers", 1, "sidecar", "/spec/template/spec/containers/1", "container \"sidecar\""],
		["initContainers", 0, "setup", "/spec/template/spec/initContainers/0", "init container \"setup\""],
		["initContainers", 1, "migrate", "/spec/template/spec/initContainers/1", "init container \"migrate\""],
		["ephemeralContainers", 0, "debug", "/spec/template/spec/ephemeralContainers/0", "ephemeral container \"debug\""],
	}
}

test_containers_carry_the_container if {
	cs := k8s.containers with input as h.hardened("Pod")
	[c.container | some c in cs] == [h.container("app")]
}

test_pod_containers_skip_ephemeral if {
	spec := object.union(h.pod_spec([h.container("app")]), {
		"initContainers": [h.container("setup")],
		"ephemeralContainers": [h.container("debug")],
	})
	cs := k8s.pod_containers with input as h.workload("CronJob", spec)
	{c.pointer | some c in cs} == {
		"/spec/jobTemplate/spec/template/spec/containers/0",
		"/spec/jobTemplate/spec/template/spec/initContainers/0",
	}
}

test_unnamed_container if {
	cs := k8s.containers with input as h.workload("Pod", {"containers": [{"image": "busybox:1.36.1"}]})
	{c.label | some c in cs} == {"container \"#0\""}
}

test_containers_skip_malformed_entries if {
	spec := {"containers": [1, "x", null, {"name": "ok"}], "initContainers": "oops", "ephemeralContainers": {"a": 1}}
	cs := k8s.containers with input as h.workload("Pod", spec)
	{c.pointer | some c in cs} == {"/spec/containers/3"}
}

test_volumes if {
	spec := object.union(h.pod_spec([h.container("app")]), {"volumes": [
		{"name": "tmp", "emptyDir": {}},
		"oops",
		{"name": "logs", "hostPath": {"path": "/var/log"}},
	]})
	vs := k8s.volumes with input as h.workload("StatefulSet", spec)
	{[v.name, v.pointer] | some v in vs} == {
		["tmp", "/spec/template/spec/volumes/0"],
		["logs", "/spec/template/spec/volumes/2"],
	}
}

test_pod_security_context if {
	k8s.pod_security_context == {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}} with input as h.hardened("Job")
	k8s.pod_security_context_pointer == "/spec/template/spec/securityContext" with input as h.hardened("Job")
}

test_pod_security_context_missing_or_malformed if {
	k8s.pod_security_context == {} with input as h.workload("Pod", {"containers": []})
	k8s.pod_security_context == {} with input as h.workload("Pod", {"securityContext": "x", "containers": []})
}

test_security_context if {
	k8s.security_context({"securityContext": {"privileged": true}}) == {"privileged": true}
	k8s.security_context({"securityContext": null}) == {}
	k8s.security_context({"securityContext": "x"}) == {}
	k8s.security_context({}) == {}
}

test_is_windows if {
	k8s.is_windows with input as h.workload("Pod", {"os": {"name": "windows"}, "containers": []})
	not k8s.is_windows with input as h.workload("Pod", {"os": {"name": "linux"}, "containers": []})
	not k8s.is_windows with input as h.hardened("Pod")
}

test_pointer_escapes_segments if {
	k8s.pointer("/metadata", ["annotations", "example.com/a~b"]) == "/metadata/annotations/example.com~1a~0b"
	k8s.pointer("", ["spec", "containers", 0, "ports", 12]) == "/spec/containers/0/ports/12"
	k8s.pointer("/spec", []) == "/spec"
}

test_escape if {
	k8s.escape("a/b") == "a~1b"
	k8s.escape("~1") == "~01"
	k8s.escape(3) == "3"
}

test_get if {
	k8s.get({"a": {"b": [{"c": 1}]}}, ["a", "b", 0, "c"]) == 1
	k8s.get({"a": {"b": 1}}, ["a", "x"]) == null
	k8s.get({"a": "scalar"}, ["a", "b"]) == null
	k8s.get("not an object", ["a"]) == null
}

test_ignored_documents_have_no_containers_or_volumes if {
	every doc in h.ignored_documents {
		count(k8s.containers) == 0 with input as doc
		count(k8s.pod_containers) == 0 with input as doc
		count(k8s.volumes) == 0 with input as doc
	}
}

test_other_kinds_have_no_pod_spec if {
	every doc in [
		{"apiVersion": "v1", "kind": "Service", "spec": h.bad_spec},
		{"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"template": {"spec": h.bad_spec}}},
		{"spec": h.bad_spec},
		{"kind": 7, "spec": h.bad_spec},
		{"kind": "Pod", "spec": "oops"},
		{"kind": "Deployment", "spec": {"template": {"spec": [h.bad_spec]}}},
		{"kind": "CronJob", "spec": {"jobTemplate": "oops"}},
		[h.workload("Pod", h.bad_spec)],
		"kind: Pod",
		null,
	] {
		not k8s.pod_spec with input as doc
		not k8s.pod_spec_pointer with input as doc
		not k8s.is_windows with input as doc
	}
}

test_service_has_resource_but_no_pod_spec if {
	doc := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}
	k8s.resource == "Service/web" with input as doc
	not k8s.pod_spec_pointer with input as doc
	not k8s.pod_security_context_pointer with input as doc
}

test_document_without_kind if {
	doc := {"metadata": {"name": "web"}, "spec": {"containers": [h.container("app")]}}
	not k8s.kind with input as doc
	not k8s.resource with input as doc
	count(k8s.containers) == 0 with input as doc
}
