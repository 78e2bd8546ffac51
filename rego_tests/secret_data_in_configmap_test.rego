package kfix.policies.secret_data_in_configmap_test

import data.kfix.policies.secret_data_in_configmap as policy
import data.kfix.test.helpers as h

config_map(entries) := {
	"apiVersion": "v1",
	"kind": "ConfigMap",
	"metadata": {"name": "web-config", "namespace": "shop"},
	"data": entries,
}

test_password if {
	policy.deny == {{
		"msg": "ConfigMap/web-config: data key \"DB_PASSWORD\" looks like a secret stored in plain text; move it to a Secret",
		"pointer": "/data/DB_PASSWORD",
	}} with input as config_map({"DB_PASSWORD": "hunter2", "LOG_LEVEL": "info"})
}

test_every_pattern_case_insensitive if {
	keys := [
		"password", "Passwd", "client-secret", "AUTH_TOKEN", "api_key", "ApiKey",
		"api-key", "private_key", "tls.privatekey", "aws-credentials", "Credentials.json",
	]
	entries := {k: "x" | some k in keys}
	h.pointers(policy.deny) == {sprintf("/data/%s", [k]) | some k in keys} with input as config_map(entries)
}

test_pointer_escapes_key if {
	h.pointers(policy.deny) == {"/data/app~1token~0v2"} with input as config_map({"app/token~v2": "abc"})
}

test_empty_and_harmless_pass if {
	count(policy.deny) == 0 with input as config_map({"DB_PASSWORD": "", "LOG_LEVEL": "info", "nginx.conf": "server {}"})
	count(policy.deny) == 0 with input as config_map({"token": 3, "secret": null, "password": ["x"]})
}

test_ill_typed_and_other_kinds_ignored if {
	count(policy.deny) == 0 with input as config_map("password=x")
	count(policy.deny) == 0 with input as config_map([{"password": "x"}])
	count(policy.deny) == 0 with input as object.union(config_map({}), {"kind": "Secret", "data": {"password": "eA=="}})
	count(policy.deny) == 0 with input as {"kind": ["ConfigMap"], "data": {"password": "x"}}
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}
