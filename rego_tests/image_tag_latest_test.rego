package kfix.policies.image_tag_latest_test

import data.kfix.policies.image_tag_latest as policy
import data.kfix.test.helpers as h

with_image(name, image) := h.container_with(name, {"image": image})

flagged(image) if {
	results := policy.deny with input as h.workload("Deployment", h.pod_spec([with_image("app", image)]))
	h.pointers(results) == {"/spec/template/spec/containers/0/image"}
}

passes(image) if {
	count(policy.deny) == 0 with input as h.workload("Deployment", h.pod_spec([with_image("app", image)]))
}

test_latest_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, h.pod_spec([with_image("app", "nginx:latest")]))
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/image"])}
	}
}

test_latest_and_untagged_images_flagged if {
	flagged("nginx:latest")
	flagged("nginx")
	flagged("library/nginx")
	flagged("docker.io/library/nginx:latest")
	flagged("registry.example.com:5000/team/api")
	flagged("registry.example.com:5000/team/api:latest")
	flagged("localhost:5000/api")
}

test_pinned_images_pass if {
	passes("nginx:1.27.2")
	passes("registry.example.com:5000/team/api:2.4.1")
	passes("nginx@sha256:6af79ae5de407283dcea8b00d5c37ace95441fd58a8b1d2aa1ed93f5511bb18c")
	passes("nginx:latest@sha256:6af79ae5de407283dcea8b00d5c37ace95441fd58a8b1d2aa1ed93f5511bb18c")
	passes("ghcr.io/acme/api:latest-rc1")
	passes("acme/latest:1.0")
}

test_messages if {
	results := policy.deny with input as h.workload("Pod", h.pod_spec([with_image("web", "nginx:latest"), with_image("cache", "redis")]))
	{r.msg | some r in results} == {
		"Pod/web: container \"web\" uses image \"nginx:latest\", tagged \"latest\"",
		"Pod/web: container \"cache\" uses image \"redis\", which has no tag and so pulls \"latest\"",
	}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container("setup"), with_image("migrate", "flyway/flyway")],
		"ephemeralContainers": [with_image("debug", "busybox:latest")],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/1/image",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/image",
	}
}

test_missing_or_malformed_image_ignored if {
	spec := h.pod_spec([{"name": "a"}, with_image("b", ""), with_image("c", 3), with_image("d", null)])
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
