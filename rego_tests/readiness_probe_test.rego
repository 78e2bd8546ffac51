package kfix.policies.readiness_probe_test

import data.kfix.policies.readiness_probe as policy
import data.kfix.test.helpers as h

probed(name) := h.container_with(name, {"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}})

long_running := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"}

test_missing_long_running_kinds if {
	every kind in long_running {
		results := policy.deny with input as h.hardened(kind)
		results == {{
			"msg": sprintf("%s/web: container \"app\" has no readinessProbe", [kind]),
			"pointer": concat("", [h.spec_pointers[kind], "/containers/0/readinessProbe"]),
		}}
	}
}

test_jobs_cronjobs_and_templates_not_checked if {
	every kind in {"Job", "CronJob", "PodTemplate"} {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_probe_set_passes if {
	every kind in long_running {
		count(policy.deny) == 0 with input as h.workload(kind, h.pod_spec([probed("app")]))
	}
}

test_init_and_ephemeral_not_checked if {
	spec := h.pod_spec_with([probed("app")], {"initContainers": [h.container("setup")], "ephemeralContainers": [h.container("debug")]})
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
}

test_null_and_ill_typed_probe if {
	spec := h.pod_spec([
		h.container_with("a", {"readinessProbe": null}),
		h.container_with("b", {"readinessProbe": "yes"}),
		probed("c"),
	])
	results := policy.deny with input as h.workload("StatefulSet", spec)
	h.pointers(results) == {"/spec/template/spec/containers/0/readinessProbe", "/spec/template/spec/containers/1/readinessProbe"}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
