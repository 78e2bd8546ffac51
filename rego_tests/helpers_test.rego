# Builders shared by the unit tests of the built-in policies. No tests of its own.
package kfix.test.helpers

# Every workload kind the policies know, with its apiVersion.
api_versions := {
	"Pod": "v1",
	"PodTemplate": "v1",
	"ReplicationController": "v1",
	"Deployment": "apps/v1",
	"StatefulSet": "apps/v1",
	"DaemonSet": "apps/v1",
	"ReplicaSet": "apps/v1",
	"Job": "batch/v1",
	"CronJob": "batch/v1",
}

# Where each kind keeps its pod spec, written out here independently of the lib.
spec_pointers := {
	"Pod": "/spec",
	"PodTemplate": "/template/spec",
	"ReplicationController": "/spec/template/spec",
	"Deployment": "/spec/template/spec",
	"StatefulSet": "/spec/template/spec",
	"DaemonSet": "/spec/template/spec",
	"ReplicaSet": "/spec/template/spec",
	"Job": "/spec/template/spec",
	"CronJob": "/spec/jobTemplate/spec/template/spec",
}

kinds := {kind | some kind, _ in api_versions}

_metadata := {"name": "web", "labels": {"app": "web"}}

_template(spec) := {"metadata": {"labels": {"app": "web"}}, "spec": spec}

# A document of `kind` named "web" whose pod spec is `spec`.
workload(kind, spec) := doc if {
	kind == "Pod"
	doc := {"apiVersion": "v1", "kind": kind, "metadata": _metadata, "spec": spec}
}

workload(kind, spec) := doc if {
	kind == "PodTemplate"
	doc := {"apiVersion": "v1", "kind": kind, "metadata": _metadata, "template": _template(spec)}
}

workload(kind, spec) := doc if {
	kind == "CronJob"
	doc := {
		"apiVersion": "batch/v1",
		"kind": kind,
		"metadata": _metadata,
		"spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": _template(spec)}}},
	}
}

workload(kind, spec) := doc if {
	not kind in {"Pod", "PodTemplate", "CronJob"}
	doc := {
		"apiVersion": api_versions[kind],
		"kind": kind,
		"metadata": _metadata,
		"spec": {"selector": {"matchLabels": {"app": "web"}}, "template": _template(spec)},
	}
}

# A pod spec with the given containers and a hardened pod-level securityContext.
pod_spec(containers) := {
	"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
	"containers": containers,
}

# pod_spec(containers) with `patch` merged in recursively.
pod_spec_with(containers, patch) := object.union(pod_spec(containers), patch)

# A hardened container named `name` that passes every built-in policy.
container(name) := {
	"name": name,
	"image": "nginxinc/nginx-unprivileged:1.27.2",
	"ports": [{"name": "http", "containerPort": 8080}],
	"securityContext": {
		"allowPrivilegeEscalation": false,
		"readOnlyRootFilesystem": true,
		"runAsNonRoot": true,
		"capabilities": {"drop": ["ALL"]},
	},
	"resources": {
		"requests": {"cpu": "100m", "memory": "128Mi"},
		"limits": {"cpu": "500m", "memory": "256Mi"},
	},
}

# container(name) with `patch` merged in recursively.
container_with(name, patch) := object.union(container(name), patch)

# container(name) without the fields at the given paths ("securityContext/runAsNonRoot").
container_without(name, paths) := json.remove(container(name), paths)

# A hardened pod of kind `kind` with a single hardened container "app".
hardened(kind) := workload(kind, pod_spec([container("app")]))

# A container that breaks every built-in policy.
bad_container := {
	"name": "bad",
	"image": "nginx:latest",
	"ports": [{"containerPort": 80, "hostPort": 80}],
	"securityContext": {
		"privileged": true,
		"allowPrivilegeEscalation": true,
		"readOnlyRootFilesystem": false,
		"runAsNonRoot": false,
		"capabilities": {"add": ["SYS_ADMIN"]},
	},
}

# A pod spec that breaks every built-in policy.
bad_spec := {
	"hostNetwork": true,
	"hostPID": true,
	"hostIPC": true,
	"securityContext": {"runAsNonRoot": false},
	"volumes": [{"name": "root", "hostPath": {"path": "/"}}],
	"containers": [bad_container],
	"initContainers": [bad_container],
	"ephemeralContainers": [bad_container],
}

# Documents no built-in policy may flag, although most of them carry bad_spec
# somewhere: other kinds, CRDs, documents without a kind, non-object documents and
# workloads whose pod spec is not an object.
ignored_documents := [
	{"apiVersion": "v1", "kind": "Service", "metadata": _metadata, "spec": bad_spec},
	{"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata, "data": {"spec": "x"}},
	{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": _metadata, "spec": {"template": _template(bad_spec)}},
	{"apiVersion": "v1", "kind": "List", "items": [workload("Pod", bad_spec)]},
	{"metadata": _metadata, "spec": bad_spec},
	{"spec": {"template": _template(bad_spec)}},
	{"kind": 7, "spec": bad_spec},
	{"kind": null, "spec": bad_spec},
	{"kind": ["Pod"], "spec": bad_spec},
	{"kind": "Pod", "spec": "oops"},
	{"kind": "Pod", "spec": null},
	{"kind": "Pod"},
	{"kind": "Deployment", "spec": {"template": null}},
	{"kind": "Deployment", "spec": {"template": {"spec": [bad_spec]}}},
	{"kind": "CronJob", "spec": {"jobTemplate": "oops"}},
	{"kind": "Pod", "spec": {"containers": "oops", "initContainers": [1, "x", null, []], "volumes": {"a": 1}}},
	{},
	[workload("Pod", bad_spec)],
	"kind: Pod",
	42,
	null,
]

# The pointers of a set of results.
pointers(results) := {r.pointer | some r in results}
