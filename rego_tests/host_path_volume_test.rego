package kfix.policies.host_path_volume_test

import data.kfix.policies.host_path_volume as policy
import data.kfix.test.helpers as h

with_volumes(volumes) := h.pod_spec_with([h.container("app")], {"volumes": volumes})

test_host_path_flagged_every_kind if {
	every kind in h.kinds {
		spec := with_volumes([{"name": "tmp", "emptyDir": {}}, {"name": "logs", "hostPath": {"path": "/var/log"}}])
		results := policy.deny with input as h.workload(kind, spec)
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/volumes/1/hostPath"])}
	}
}

test_message if {
	spec := with_volumes([{"name": "docker-sock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}])
	results := policy.deny with input as h.workload("DaemonSet", spec)
	results == {{
		"msg": "DaemonSet/web: volume \"docker-sock\" mounts host path \"/var/run/docker.sock\" from the node",
		"pointer": "/spec/template/spec/volumes/0/hostPath",
	}}
}

test_each_host_path_volume if {
	spec := with_volumes([{"name": "a", "hostPath": {"path": "/a"}}, {"name": "b", "hostPath": {}}, {"hostPath": "x"}])
	results := policy.deny with input as h.workload("Pod", spec)
	{r.msg | some r in results} == {
		"Pod/web: volume \"a\" mounts host path \"/a\" from the node",
		"Pod/web: volume \"b\" mounts a host path from the node",
		"Pod/web: volume \"#2\" mounts a host path from the node",
	}
}

test_other_volume_types_pass if {
	spec := with_volumes([
		{"name": "tmp", "emptyDir": {"medium": "Memory"}},
		{"name": "config", "configMap": {"name": "web-config"}},
		{"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
		{"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
		{"name": "null-host-path", "hostPath": null, "emptyDir": {}},
	])
	count(policy.deny) == 0 with input as h.workload("StatefulSet", spec)
}

test_no_volumes_passes if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_cronjob_pointer if {
	spec := with_volumes([{"name": "host", "hostPath": {"path": "/etc"}}])
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/volumes/0/hostPath"}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
