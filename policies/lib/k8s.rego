# Helpers shared by the built-in policies: where a document keeps its pod spec,
# every container in it, and JSON pointers (RFC 6901) to the fields the policies check.
#
# Every rule here is safe on any input: documents of other kinds, documents without
# a kind, non-object documents and ill-typed fields make the rules undefined (or
# empty), never an evaluation error.
package kfix.lib.k8s

# Path from the document root to the pod spec, per workload kind.
pod_spec_paths := {
	"Pod": ["spec"],
	"PodTemplate": ["template", "spec"],
	"Deployment": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

# The three container lists of a pod spec, in the order findings are reported.
container_lists := ["containers", "initContainers", "ephemeralContainers"]

# How a message calls a container of each list.
container_list_labels := {
	"containers": "container",
	"initContainers": "init container",
	"ephemeralContainers": "ephemeral container",
}

# The document's kind, when it is a string.
kind := input.kind if is_string(input.kind)

# The document's name: metadata.name, else metadata.generateName, else "<unnamed>".
default name := "<unnamed>"

name := input.metadata.name if {
	is_string(input.metadata.name)
	input.metadata.name != ""
} else := input.metadata.generateName if {
	is_string(input.metadata.generateName)
	input.metadata.generateName != ""
}

# "Kind/name", how messages name the document; undefined for documents without a kind.
resource := sprintf("%s/%s", [kind, name])

# The path (array of keys) to this document's pod spec; undefined for non-workloads.
pod_spec_path := pod_spec_paths[kind]

# The pod spec object of a workload document; undefined for any other document.
pod_spec := spec if {
	is_object(input)
	spec := object.get(input, pod_spec_path, null)
	is_object(spec)
}

# JSON pointer to the pod spec, e.g. "/spec/template/spec".
pod_spec_pointer := pointer("", pod_spec_path) if pod_spec

# True when the pod spec declares a Windows pod (spec.os.name: windows). Pod Security
# Standards exempt Windows pods from the Linux-only restricted controls, and the API
# rejects Linux-only securityContext fields on them.
is_windows if pod_spec.os.name == "windows"

# Every container of the pod spec, in all three lists, each as an object:
#   {"container": <the container object>,
#    "list": "containers" | "initContainers" | "ephemeralContainers",
#    "index": <index in that list>,
#    "name": <container name, or "#<index>" when it has none>,
#    "label": e.g. `init container "setup"`, for messages,
#    "pointer": e.g. "/spec/template/spec/initContainers/1"}
containers contains c if {
	some list in container_lists
	items := pod_spec[list]
	is_array(items)
	some i, container in items
	is_object(container)
	cname := _display_name(container, i)
	c := {
		"container": container,
		"list": list,
		"index": i,
		"name": cname,
		"label": sprintf("%s %q", [container_list_labels[list], cname]),
		"pointer": pointer(pod_spec_pointer, [list, i]),
	}
}

# The containers that take resources and ports: `containers` and `initContainers`.
# Ephemeral containers have no resources, ports or probes in the API.
pod_containers contains c if {
	some c in containers
	c.list != "ephemeralContainers"
}

# Every volume of the pod spec: {"volume": <object>, "index": i, "name": <name or "#i">,
# "pointer": e.g. "/spec/volumes/0"}.
volumes contains v if {
	items := pod_spec.volumes
	is_array(items)
	some i, volume in items
	is_object(volume)
	v := {
		"volume": volume,
		"index": i,
		"name": _display_name(volume, i),
		"pointer": pointer(pod_spec_pointer, ["volumes", i]),
	}
}

# The pod-level securityContext, or {} when it is missing or not an object.
default pod_security_context := {}

pod_security_context := pod_spec.securityContext if is_object(pod_spec.securityContext)

# JSON pointer to the pod-level securityContext (which may be missing).
pod_security_context_pointer := pointer(pod_spec_pointer, ["securityContext"])

# A container's securityContext, or {} when it is missing or not an object.
security_context(container) := sc if {
	sc := container.securityContext
	is_object(sc)
} else := {}

# The value at `path` (an array of keys and array indices) under the object `value`, or null when
# `value` is not an object or any step is missing or of the wrong type.
get(value, path) := v if {
	is_object(value)
	v := object.get(value, path, null)
} else := null

# JSON pointer `base` extended with the given segments (strings or integer indices),
# each escaped per RFC 6901: pointer("/spec", ["a/b", 0]) == "/spec/a~1b/0".
pointer(base, segments) := concat("", array.concat([base], [s |
	some seg in segments
	s := concat("", ["/", escape(seg)])
]))

# One pointer segment, escaped per RFC 6901 ("~" -> "~0", "/" -> "~1").
escape(seg) := replace(replace(seg, "~", "~0"), "/", "~1") if is_string(seg)

escape(seg) := format_int(seg, 10) if is_number(seg)

# obj.name when it is a non-empty string, else "#<i>".
_display_name(obj, i) := array.concat(
	[n | n := obj.name; is_string(n); n != ""],
	[sprintf("#%d", [i])],
)[0]

# ---------------------------------------------------------------------------------------
# Pod Security Standards helpers.

# Path from the document root to the pod's metadata: the document's own for a Pod, the
# pod template's for every other workload kind; undefined for non-workloads.
pod_metadata_path := array.concat(array.slice(pod_spec_path, 0, count(pod_spec_path) - 1), ["metadata"]) if pod_spec

# JSON pointer to the pod's metadata (which may be missing), e.g. "/spec/template/metadata".
pod_metadata_pointer := pointer("", pod_metadata_path)

# The pod's metadata object; undefined when it is missing or not an object.
pod_metadata := m if {
	m := object.get(input, pod_metadata_path, null)
	is_object(m)
}

# Every annotation of the pod's metadata: {"key", "value", "pointer"}.
pod_annotations contains a if {
	annotations := pod_metadata.annotations
	is_object(annotations)
	some key, value in annotations
	a := {"key": key, "value": value, "pointer": pointer(pod_metadata_pointer, ["annotations", key])}
}

# Every securityContext of a workload, the pod-level one and each container's (all three
# lists), each as {"context": <object, {} when missing or ill-typed>, "level": "pod" |
# "container", "label": "the pod" or e.g. `init container "setup"`, "pointer": JSON pointer
# to the securityContext (which may be missing)}.
security_contexts contains s if {
	pod_spec
	s := {
		"context": pod_security_context,
		"level": "pod",
		"label": "the pod",
		"pointer": pod_security_context_pointer,
	}
}

security_contexts contains s if {
	some c in containers
	s := {
		"context": security_context(c.container),
		"level": "container",
		"label": c.label,
		"pointer": pointer(c.pointer, ["securityContext"]),
	}
}
