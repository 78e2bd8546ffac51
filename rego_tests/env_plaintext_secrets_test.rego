package kfix.policies.env_plaintext_secrets_test

import data.kfix.policies.env_plaintext_secrets as policy
import data.kfix.test.helpers as h

with_env(name, env) := h.container_with(name, {"env": env})

test_secret_names_flagged if {
	names := ["DB_PASSWORD", "passwd", "MY_SECRET", "GITHUB_TOKEN", "API_KEY", "apikey", "Stripe-Api-Key", "PRIVATE_KEY", "AWS_CREDENTIALS", "db_Password_file"]
	every n in names {
		count(policy.deny) == 1 with input as h.workload("Deployment", h.pod_spec([with_env("app", [{"name": n, "value": "hunter2"}])]))
	}
}

test_message_and_pointer if {
	env := [{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "hunter2"}]
	policy.deny == {{
		"msg": "Deployment/web: container \"app\" sets DB_PASSWORD as a plain-text env value; take it from a Secret (valueFrom.secretKeyRef)",
		"pointer": "/spec/template/spec/containers/0/env/1/value",
	}} with input as h.workload("Deployment", h.pod_spec([with_env("app", env)]))
}

test_every_kind_and_list if {
	bad := with_env("x", [{"name": "TOKEN", "value": "abc"}])
	spec := h.pod_spec_with([bad], {"initContainers": [bad], "ephemeralContainers": [bad]})
	every kind in h.kinds {
		h.pointers(policy.deny) == {
			concat("", [h.spec_pointers[kind], "/containers/0/env/0/value"]),
			concat("", [h.spec_pointers[kind], "/initContainers/0/env/0/value"]),
			concat("", [h.spec_pointers[kind], "/ephemeralContainers/0/env/0/value"]),
		} with input as h.workload(kind, spec)
	}
}

test_value_from_empty_and_harmless_pass if {
	env := [
		{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
		{"name": "API_TOKEN", "value": ""},
		{"name": "LOG_LEVEL", "value": "debug"},
		{"name": "TOKEN_TTL", "value": 3600},
		{"name": "SECRET", "value": null},
	]
	count(policy.deny) == 0 with input as h.workload("Pod", h.pod_spec([with_env("app", env)]))
}

test_ill_typed_env if {
	count(policy.deny) == 0 with input as h.workload("Pod", h.pod_spec([with_env("a", "PASSWORD=x")]))
	count(policy.deny) == 0 with input as h.workload("Pod", h.pod_spec([with_env("a", [null, 1, "x", {"name": 5, "value": "x"}, {"value": "x"}])]))
	count(policy.deny) == 0 with input as h.workload("Pod", h.pod_spec([with_env("a", {"PASSWORD": "x"})]))
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}
