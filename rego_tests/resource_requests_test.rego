package kfix.policies.resource_requests_test

import data.kfix.policies.resource_requests as policy
import data.kfix.test.helpers as h

with_requests(name, requests) := json.patch(h.container(name), [{"op": "replace", "path": "/resources/requests", "value": requests}])

without_resources(name) := h.container_without(name, ["resources"])

test_missing_requests_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, h.pod_spec([without_resources("app")]))
		h.pointers(results) == {
			concat("", [h.spec_pointers[kind], "/containers/0/resources/requests/cpu"]),
			concat("", [h.spec_pointers[kind], "/containers/0/resources/requests/memory"]),
		}
	}
}

test_requests_set_pass if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_missing_memory_only if {
	results := policy.deny with input as h.workload("Deployment", h.pod_spec([with_requests("api", {"cpu": "250m"})]))
	results == {{
		"msg": "Deployment/web: container \"api\" has no memory request (resources.requests.memory)",
		"pointer": "/spec/template/spec/containers/0/resources/requests/memory",
	}}
}

test_limits_do_not_count_as_requests if {
	c := json.remove(h.container("api"), ["resources/requests"])
	results := policy.deny with input as h.workload("Pod", h.pod_spec([c]))
	h.pointers(results) == {"/spec/containers/0/resources/requests/cpu", "/spec/containers/0/resources/requests/memory"}
}

test_init_containers_checked if {
	spec := h.pod_spec_with([h.container("app")], {"initContainers": [h.container("setup"), with_requests("migrate", {"memory": "64Mi"})]})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/initContainers/1/resources/requests/cpu"}
}

test_ephemeral_containers_not_checked if {
	spec := h.pod_spec_with([h.container("app")], {"ephemeralContainers": [without_resources("debug")]})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_pod_level_requests_cover_containers if {
	spec := h.pod_spec_with([without_resources("app")], {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}})
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
	partial := h.pod_spec_with([without_resources("app")], {"resources": {"requests": {"cpu": "1"}}})
	results := policy.deny with input as h.workload("Deployment", partial)
	h.pointers(results) == {"/spec/template/spec/containers/0/resources/requests/memory"}
}

test_null_and_malformed_resources if {
	spec := h.pod_spec([
		with_requests("a", null),
		with_requests("b", {"cpu": null, "memory": "64Mi"}),
		json.patch(h.container("c"), [{"op": "replace", "path": "/resources", "value": "lots"}]),
	])
	results := policy.deny with input as h.workload("Pod", spec)
	h.pointers(results) == {
		"/spec/containers/0/resources/requests/cpu",
		"/spec/containers/0/resources/requests/memory",
		"/spec/containers/1/resources/requests/cpu",
		"/spec/containers/2/resources/requests/cpu",
		"/spec/containers/2/resources/requests/memory",
	}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
