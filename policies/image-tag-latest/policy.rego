# METADATA
# title: Image tag latest or missing
# description: An image without a tag, or tagged latest, can change under the workload at any restart; pin a version tag or a digest.
# scope: package
# custom:
#   id: image-tag-latest
#   severity: medium
#   profile: best-practice
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (which image version or digest to pin)
#   risk: medium
#   effect: the container runs the pinned image, which may be another version than today's latest
#   human_decision: ["*/image"]
#   params:
#     pinned_images: {}
package kfix.policies.image_tag_latest

import data.kfix.lib.k8s

# Every container whose image has no tag or the tag "latest". An image pinned by
# digest (name@sha256:...) is fine whatever its tag.
deny contains result if {
	some c in k8s.containers
	image := c.container.image
	is_string(image)
	image != ""
	not contains(image, "@")
	problem := _problem(_tag(image))
	result := {
		"msg": sprintf("%s: %s uses image %q, %s", [k8s.resource, c.label, image, problem]),
		"pointer": k8s.pointer(c.pointer, ["image"]),
	}
}

_problem("") := "which has no tag and so pulls \"latest\""

_problem("latest") := "tagged \"latest\""

# The tag of an image reference without digest, "" when it has none. A colon before
# the last "/" belongs to a registry port (registry.local:5000/app has no tag).
_tag(image) := tag if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	tag := substring(last, indexof(last, ":") + 1, -1)
} else := ""
