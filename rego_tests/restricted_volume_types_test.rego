package kfix.policies.restricted_volume_types_test

import data.kfix.policies.restricted_volume_types as policy
import data.kfix.test.helpers as h

with_volumes(volumes) := h.pod_spec_with([h.container("app")], {"volumes": volumes})

allowed_volumes := [
	{"name": "a", "configMap": {"name": "cfg"}},
	{"name": "b", "csi": {"driver": "secrets-store.csi.k8s.io"}},
	{"name": "c", "downwardAPI": {"items": []}},
	{"name": "d", "emptyDir": {}},
	{"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
	{"name": "f", "persistentVolumeClaim": {"claimName": "data"}},
	{"name": "g", "projected": {"sources": []}},
	{"name": "h", "secret": {"secretName": "tls"}},
]

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
		count(policy.deny) == 0 with input as h.workload(kind, with_volumes(allowed_volumes))
	}
}

test_host_path_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, with_volumes([{"name": "tmp", "emptyDir": {}}, {"name": "logs", "hostPath": {"path": "/var/log"}}]))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/volumes/1/hostPath"])}
	}
}

test_message if {
	results := policy.deny with input as h.workload("Deployment", with_volumes([{"name": "share", "nfs": {"server": "nfs.local", "path": "/exports"}}]))
	results == {{
		"msg": "Deployment/web: volume \"share\" is of type nfs; the restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret",
		"pointer": "/spec/template/spec/volumes/0/nfs",
	}}
}

test_other_types_flagged if {
	volumes := [
		{"name": "a", "iscsi": {}},
		{"name": "b", "gitRepo": {"repository": "x"}},
		{"name": "c", "awsElasticBlockStore": {"volumeID": "vol-1"}},
		{"name": "d", "image": {"reference": "example/data:1"}},
		{"name": "e", "secret": {"secretName": "s"}, "hostPath": {"path": "/"}},
	]
	results := policy.deny with input as h.workload("CronJob", with_volumes(volumes))
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/volumes/0/iscsi",
		"/spec/jobTemplate/spec/template/spec/volumes/1/gitRepo",
		"/spec/jobTemplate/spec/template/spec/volumes/2/awsElasticBlockStore",
		"/spec/jobTemplate/spec/template/spec/volumes/3/image",
		"/spec/jobTemplate/spec/template/spec/volumes/4/hostPath",
	}
}

test_null_sources_and_unnamed_volumes if {
	results := policy.deny with input as h.workload("Pod", with_volumes([{"name": "a", "emptyDir": {}, "hostPath": null}, {"nfs": {}}]))
	results == {{
		"msg": "Pod/web: volume \"#1\" is of type nfs; the restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret",
		"pointer": "/spec/volumes/1/nfs",
	}}
}

test_ill_typed if {
	count(policy.deny) == 0 with input as h.workload("Pod", with_volumes({"hostPath": {}}))
	count(policy.deny) == 0 with input as h.workload("Pod", with_volumes(["hostPath", null, 3, [{"hostPath": {}}]]))
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
