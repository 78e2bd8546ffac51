package kfix.policies.resource_limits_test

import data.kfix.policies.resource_limits as policy
import data.kfix.test.helpers as h

with_limits(name, limits) := json.patch(h.container(name), [{"op": "replace", "path": "/resources/limits", "value": limits}])

without_resources(name) := h.container_without(name, ["resources"])

test_missing_limits_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, h.pod_spec([without_resources("app")]))
		h.pointers(results) == {
			concat("", [h.spec_pointers[kind], "/containers/0/resources/limits/cpu"]),
			concat("", [h.spec_pointers[kind], "/containers/0/resources/limits/memory"]),
		}
	}
}

test_limits_set_pass if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_missing_memory_only if {
	results := policy.deny with input as h.workload("Deployment", h.pod_spec([with_limits("api", {"cpu": "250m"})]))
	results == {{
		"msg": "Deployment/web: container \"api\" has no memory limit (resources.limits.memory)",
		"pointer": "/spec/template/spec/containers/0/resources/limits/memory",
	}}
}

test_requests_do_not_count_as_limits if {
	c := json.remove(h.container("api"), ["resources/limits"])
	results := policy.deny with input as h.workload("Pod", h.pod_spec([c]))
	h.pointers(results) == {"/spec/containers/0/resources/limits/cpu", "/spec/containers/0/resources/limits/memory"}
}

test_init_containers_checked if {
	spec := h.pod_spec_with([h.container("app")], {"initContainers": [h.container("setup"), with_limits("migrate", {"memory": "64Mi"})]})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/initContainers/1/resources/limits/cpu"}
}

test_ephemeral_containers_not_checked if {
	spec := h.pod_spec_with([h.container("app")], {"ephemeralContainers": [without_resources("debug")]})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_pod_level_limits_cover_containers if {
	spec := h.pod_spec_with([without_resources("app")], {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}})
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
	partial := h.pod_spec_with([without_resources("app")], {"resources": {"limits": {"cpu": "1"}}})
	results := policy.deny with input as h.workload("Deployment", partial)
	h.pointers(results) == {"/spec/template/spec/containers/0/resources/limits/memory"}
}

test_null_and_malformed_resources if {
	spec := h.pod_spec([
		with_limits("a", null),
		with_limits("b", {"cpu": null, "memory": "64Mi"}),
		json.patch(h.container("c"), [{"op": "replace", "path": "/resources", "value": "lots"}]),
	])
	results := policy.deny with input as h.workload("Pod", spec)
	h.pointers(results) == {
		"/spec/containers/0/resources/limits/cpu",
		"/spec/containers/0/resources/limits/memory",
		"/spec/containers/1/resources/limits/cpu",
		"/spec/containers/2/resources/limits/cpu",
		"/spec/containers/2/resources/limits/memory",
	}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
