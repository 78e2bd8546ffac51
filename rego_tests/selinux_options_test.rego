package kfix.policies.selinux_options_test

import data.kfix.policies.selinux_options as policy
import data.kfix.test.helpers as h

selinux(options) := {"securityContext": {"seLinuxOptions": options}}

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_pod_level_type_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, h.pod_spec_with([h.container("app")], selinux({"type": "spc_t"})))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/securityContext/seLinuxOptions/type"])}
	}
}

test_allowed_types_and_level_pass if {
	spec := h.pod_spec_with([
		h.container_with("a", selinux({"type": "container_init_t"})),
		h.container_with("b", selinux({"type": "container_kvm_t", "level": "s0:c123,c456"})),
		h.container_with("c", selinux({"type": "container_engine_t", "user": "", "role": ""})),
		h.container_with("d", selinux({"type": ""})),
		h.container_with("e", selinux({"level": "s0:c1,c2"})),
	], selinux({"type": "container_t", "level": "s0:c1,c2"}))
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
}

test_user_and_role_flagged if {
	spec := h.pod_spec([h.container_with("app", selinux({"user": "system_u", "role": "system_r", "type": "container_t"}))])
	results := policy.deny with input as h.workload("StatefulSet", spec)
	results == {
		{
			"msg": "StatefulSet/web: container \"app\" sets securityContext.seLinuxOptions.user to system_u; it must not be set",
			"pointer": "/spec/template/spec/containers/0/securityContext/seLinuxOptions/user",
		},
		{
			"msg": "StatefulSet/web: container \"app\" sets securityContext.seLinuxOptions.role to system_r; it must not be set",
			"pointer": "/spec/template/spec/containers/0/securityContext/seLinuxOptions/role",
		},
	}
}

test_container_type_message if {
	spec := h.pod_spec([h.container_with("app", selinux({"type": "unconfined_t"}))])
	results := policy.deny with input as h.workload("Pod", spec)
	results == {{
		"msg": "Pod/web: container \"app\" sets securityContext.seLinuxOptions.type to unconfined_t; only container_t, container_init_t, container_kvm_t or container_engine_t is allowed",
		"pointer": "/spec/containers/0/securityContext/seLinuxOptions/type",
	}}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container_with("setup", selinux({"type": "spc_t"}))],
		"ephemeralContainers": [h.container_with("debug", selinux({"role": "sysadm_r"}))],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/seLinuxOptions/type",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/seLinuxOptions/role",
	}
}

test_ill_typed if {
	spec := h.pod_spec_with([
		h.container_with("a", {"securityContext": {"seLinuxOptions": "spc_t"}}),
		h.container_with("b", selinux({"type": null, "user": null})),
		h.container_with("c", selinux({"type": 1, "user": ["x"]})),
		{"name": "d", "securityContext": "oops"},
	], {"securityContext": {"seLinuxOptions": [1]}})
	h.pointers(policy.deny) == {
		"/spec/containers/2/securityContext/seLinuxOptions/type",
		"/spec/containers/2/securityContext/seLinuxOptions/user",
	} with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
