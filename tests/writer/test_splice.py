"""The text splicer: each common operation as a text edit, each odd case to the round trip.

Every test writes through `apply_to_text`, as `kfix fix` does, so the result is also
proved by reading it back; `tally` says which way the document went.
"""

from __future__ import annotations

from typing import Any

import pytest

from kfix.errors import WriteError
from kfix.load import manifests
from kfix.writer import direct, tally
from kfix.writer.operations import patch_value
from kfix.writer.text import apply_to_text

DEPLOYMENT = """\
# The web tier: two replicas behind the shop's ingress.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the name
  labels:
    app: web
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: "nginx:1.25"   # pinned
        ports:
        - containerPort: 8080
          hostPort: 8080
        securityContext:
          runAsUser: 1000
          # keep the root filesystem writable for the cache
      # the sidecar ships logs
      - name: logs
        image: 'fluent/fluent-bit:2.2'
        args: ["--config", "/etc/fb.conf"]
      volumes:
      - name: cache
        emptyDir: {}

      # nodeSelector:
      #   disk: ssd
"""

POINTER = "/spec/template/spec"
WEB = POINTER + "/containers/0"


def write(text: str, ops: list[dict[str, Any]], path: str = "x.yaml", index: int = 0) -> str:
    """The new text, and it must have been spliced (not round-tripped)."""
    tally.reset()
    after = apply_to_text(text, path, {index: ops})
    assert tally.counts() == {tally.SPLICED: 1}, tally.counts()
    return after


def round_tripped(text: str, ops: list[dict[str, Any]], path: str = "x.yaml") -> tuple[str, str]:
    """The new text from the round trip, and the reason the splicer gave."""
    tally.reset()
    after = apply_to_text(text, path, {0: ops})
    (outcome,) = tally.counts()
    assert outcome.startswith(tally.ROUND_TRIP), outcome
    return after, outcome.removeprefix(tally.ROUND_TRIP)


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def content(text: str, path: str = "x.yaml") -> Any:
    loaded = manifests.parse(path, text)
    assert not loaded.problems
    return loaded.documents[0].content


# -- adding keys -------------------------------------------------------------------------


def test_a_key_goes_after_the_last_one_indented_like_its_siblings() -> None:
    after = write(DEPLOYMENT, [add(POINTER + "/automountServiceAccountToken", False)])
    # before the blank line and the comments that are not indented inside `volumes`
    assert after == DEPLOYMENT.replace(
        "        emptyDir: {}\n",
        "        emptyDir: {}\n      automountServiceAccountToken: false\n",
    )


def test_a_key_goes_after_the_comment_lines_indented_inside_the_last_entry() -> None:
    after = write(DEPLOYMENT, [add(WEB + "/imagePullPolicy", "IfNotPresent")])
    assert after == DEPLOYMENT.replace(
        "          # keep the root filesystem writable for the cache\n",
        "          # keep the root filesystem writable for the cache\n"
        "        imagePullPolicy: IfNotPresent\n",
    )


def test_missing_parents_made_by_the_fragments_become_one_block() -> None:
    ops = [
        add(POINTER + "/securityContext", {}),
        add(POINTER + "/securityContext/seccompProfile", {}),
        add(POINTER + "/securityContext/seccompProfile/type", "RuntimeDefault"),
        add(WEB + "/securityContext/capabilities", {}),
        add(WEB + "/securityContext/capabilities/drop", ["ALL"]),
        add(WEB + "/resources", {"limits": {"memory": "256Mi"}}),
    ]
    after = write(DEPLOYMENT, ops)
    assert after == DEPLOYMENT.replace(
        "        emptyDir: {}\n",
        "        emptyDir: {}\n"
        "      securityContext:\n"
        "        seccompProfile:\n"
        "          type: RuntimeDefault\n",
    ).replace(
        "          # keep the root filesystem writable for the cache\n",
        "          capabilities:\n"
        "            drop:\n"
        "            - ALL\n"
        "          # keep the root filesystem writable for the cache\n"
        "        resources:\n"
        "          limits:\n"
        "            memory: 256Mi\n",
    )


FOUR_SPACES_INDENTED_SEQUENCES = """\
apiVersion: batch/v1
kind: Job
metadata:
    name: migrate
spec:
    template:
        spec:
            containers:
                -   name: migrate
                    image: migrate:3
                    args:
                        -   --to=latest
            restartPolicy: Never
"""


def test_new_collections_take_the_documents_indentation() -> None:
    probe = {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 5}
    after = write(FOUR_SPACES_INDENTED_SEQUENCES, [
        add("/spec/template/spec/containers/0/readinessProbe", probe),
        add("/spec/template/spec/containers/-", {"name": "log", "args": ["tail"]}),
    ])
    assert after == FOUR_SPACES_INDENTED_SEQUENCES.replace(
        "                        -   --to=latest\n",
        "                        -   --to=latest\n"
        "                    readinessProbe:\n"
        "                        exec:\n"
        "                            command:\n"
        "                                -   cat\n"
        "                                -   /tmp/ready\n"
        "                        periodSeconds: 5\n"
        "                -   name: log\n"
        "                    args:\n"
        "                        -   tail\n",
    )


def test_strings_are_quoted_only_where_yaml_1_1_would_read_them_otherwise() -> None:
    values = {"a": "yes", "b": "0644", "c": "", "d": "a: b", "e": "it's #1", "f": "null",
              "g": "2024-01-01", "h": "two\nlines", "i": "plain text", "j": 1.5, "k": 1e20,
              "l": None, "m": "ünïcode", "n": "-f", "o": "@at"}
    after = write(DEPLOYMENT, [add("/metadata/annotations", values)])
    block = after.split("  annotations:\n")[1].split("spec:\n")[0]
    assert block.splitlines() == [
        '    a: "yes"', '    b: "0644"', '    c: ""', "    d: 'a: b'", '    e: "it\'s #1"',
        '    f: "null"', '    g: "2024-01-01"', '    h: "two\\nlines"', "    i: plain text",
        "    j: 1.5", "    k: 1.0e+20", "    l: null", "    m: ünïcode", "    n: -f",
        "    o: '@at'",
    ]
    assert content(after)["metadata"]["annotations"] == values


def test_keys_are_quoted_like_values() -> None:
    after = write(DEPLOYMENT, [add("/metadata/labels/on", "x"), add("/metadata/labels/a b", "y")])
    assert '    app: web\n    "on": x\n    a b: y\n' in after


# -- replacing values --------------------------------------------------------------------


def test_a_replaced_value_keeps_its_key_quotes_and_comment_column() -> None:
    after = write(DEPLOYMENT, [
        {"op": "replace", "path": WEB + "/image", "value": "nginx:1.27.3"},
        {"op": "replace", "path": "/metadata/name", "value": "shop-web"},
        {"op": "replace", "path": POINTER + "/containers/1/image", "value": "fluent/fluent-bit:3"},
        add("/spec/replicas", 3),
    ])
    assert after == (
        DEPLOYMENT.replace('image: "nginx:1.25"   # pinned', 'image: "nginx:1.27.3" # pinned')
        .replace("name: web   # the name", "name: shop-web # the name")
        .replace("'fluent/fluent-bit:2.2'", "'fluent/fluent-bit:3'")
        .replace("replicas: 2", "replicas: 3")
    )


def test_a_replacement_that_would_read_as_something_else_is_double_quoted() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: 'x'\n  flag: on\n  port: 80\n"
    after = write(text, [
        {"op": "replace", "path": "/data/mode", "value": "0644"},
        {"op": "replace", "path": "/data/flag", "value": "off"},
        {"op": "replace", "path": "/data/port", "value": "it's"},
    ])
    assert after == "apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: '0644'\n" \
        "  flag: \"off\"\n  port: it's\n"


def test_a_value_already_there_keeps_its_spelling() -> None:
    text = "kind: Pod\nspec:\n  hostNetwork: False\n  automountServiceAccountToken: no\n"
    ops = [add("/spec/hostNetwork", False), add("/spec/automountServiceAccountToken", False)]
    assert write(text, ops) == text


def test_a_null_or_empty_value_filled_becomes_a_block() -> None:
    text = "kind: Pod\nspec:\n  securityContext:   # pod level\n  containers:\n  - name: a\n" \
        "    resources: {}\n"
    after = write(text, [
        add("/spec/securityContext", {}),
        add("/spec/securityContext/runAsNonRoot", True),
        add("/spec/containers/0/resources/limits", {}),
        add("/spec/containers/0/resources/limits/cpu", "500m"),
    ])
    assert after == (
        "kind: Pod\nspec:\n  securityContext:   # pod level\n    runAsNonRoot: true\n"
        "  containers:\n  - name: a\n    resources:\n      limits:\n        cpu: 500m\n"
    )


def test_a_trailing_space_on_the_replaced_line_stays() -> None:
    text = "kind: Service\nspec:\n  type: NodePort \n  ports:\n  - port: 80\n"
    after = write(text, [{"op": "replace", "path": "/spec/type", "value": "ClusterIP"}])
    assert after == text.replace("NodePort ", "ClusterIP ")


# -- removing ----------------------------------------------------------------------------


def test_a_removed_entry_takes_its_lines_and_the_comments_indented_inside_it() -> None:
    after = write(DEPLOYMENT, [{"op": "remove", "path": WEB + "/securityContext"}])
    assert after == DEPLOYMENT.replace(
        "        securityContext:\n          runAsUser: 1000\n"
        "          # keep the root filesystem writable for the cache\n", ""
    )
    assert "      # the sidecar ships logs\n      - name: logs\n" in after


def test_removing_the_first_key_of_an_item_moves_the_next_up_to_the_dash() -> None:
    text = "kind: Pod\nspec:\n  containers:\n  - name: a\n    ports:\n    - hostPort: 80\n" \
        "      containerPort: 80\n    - containerPort: 9090\n      hostPort: 9090\n"
    after = write(text, [{"op": "remove", "path": "/spec/containers/0/ports/0/hostPort"},
                         {"op": "remove", "path": "/spec/containers/0/ports/1/hostPort"}])
    assert after == "kind: Pod\nspec:\n  containers:\n  - name: a\n    ports:\n" \
        "    - containerPort: 80\n    - containerPort: 9090\n"
    only = "kind: Pod\nspec:\n  ports:\n  - hostPort: 80\n  - containerPort: 9\n"
    after = write(only, [{"op": "remove", "path": "/spec/ports/0/hostPort"}])
    assert after == "kind: Pod\nspec:\n  ports:\n  - {}\n  - containerPort: 9\n"


def test_a_mapping_emptied_and_filled_again_stays_block_style() -> None:
    text = "kind: Pod\nspec:\n  containers:\n  - name: es\n    securityContext:\n" \
        "      capabilities:\n        add:\n          - IPC_LOCK\n    image: es:8\n"
    path = "/spec/containers/0/securityContext/capabilities"
    emptied = write(text, [{"op": "remove", "path": path + "/add"}])
    assert emptied == text.replace(
        "      capabilities:\n        add:\n          - IPC_LOCK\n", "      capabilities: {}\n"
    )
    refilled = write(text, [{"op": "remove", "path": path + "/add"}, add(path + "/drop", ["ALL"])])
    assert refilled == text.replace(
        "        add:\n          - IPC_LOCK\n", "        drop:\n        - ALL\n"
    )


# -- sequences ---------------------------------------------------------------------------


def test_items_go_in_at_their_siblings_dash() -> None:
    after = write(DEPLOYMENT, [
        add(POINTER + "/volumes/0", {"name": "tmp", "emptyDir": {}}),
        add(WEB + "/ports/-", {"containerPort": 9090}),
        {"op": "remove", "path": POINTER + "/containers/1"},
    ])
    assert after == DEPLOYMENT.replace(
        "          hostPort: 8080\n", "          hostPort: 8080\n        - containerPort: 9090\n"
    ).replace(
        "      # the sidecar ships logs\n      - name: logs\n"
        "        image: 'fluent/fluent-bit:2.2'\n        args: [\"--config\", \"/etc/fb.conf\"]\n",
        "      # the sidecar ships logs\n",
    ).replace("      volumes:\n", "      volumes:\n      - name: tmp\n        emptyDir: {}\n")


def test_new_items_are_quoted_like_their_siblings() -> None:
    text = 'kind: Pod\nspec:\n  args:\n    - "--verbose"\n  command: ["/bin/app"]\n'
    after = write(text, [add("/spec/args/-", "--port=80"), add("/spec/command/-", "--serve")])
    assert after == 'kind: Pod\nspec:\n  args:\n    - "--verbose"\n    - "--port=80"\n' \
        '  command: ["/bin/app", "--serve"]\n'


def test_one_line_flow_sequences_are_edited_in_place() -> None:
    text = "kind: Pod\nspec:\n  caps:\n    drop: [ NET_RAW ]   # why\n" \
        "    add: [SYS_TIME, NET_ADMIN, CHOWN]\n    keep: []\n"
    after = write(text, [
        add("/spec/caps/drop/-", "ALL"),
        {"op": "remove", "path": "/spec/caps/add/1"},
        {"op": "remove", "path": "/spec/caps/add/1"},
        add("/spec/caps/keep/-", "CHOWN"),
    ])
    assert after == "kind: Pod\nspec:\n  caps:\n    drop: [ NET_RAW, ALL ]   # why\n" \
        "    add: [SYS_TIME]\n    keep:\n    - CHOWN\n"


def test_test_operations_change_nothing() -> None:
    ops = [{"op": "test", "path": WEB + "/image", "value": "nginx:1.25"}]
    assert write(DEPLOYMENT, ops) == DEPLOYMENT
    with pytest.raises(WriteError, match="differs"):
        apply_to_text(DEPLOYMENT, "x.yaml", {0: [{"op": "test", "path": "/kind", "value": "Pod"}]})


# -- the file around the document --------------------------------------------------------


def test_crlf_a_missing_final_newline_and_the_other_documents_stay() -> None:
    text = "kind: A\r\nmetadata:\r\n  name: a\r\n---\r\nkind: B\r\nmetadata:\r\n  name: b"
    after = write(text, [add("/metadata/labels", {"app": "b"})], index=1)
    assert after == text + "\r\n  labels:\r\n    app: b"


def test_a_block_scalar_ending_the_file_keeps_its_value() -> None:
    text = "kind: ConfigMap\ndata:\n  run.sh: |\n    echo hi\n    exit 0"
    after = write(text, [add("/metadata", {"name": "script"})])
    assert after == "kind: ConfigMap\ndata:\n  run.sh: |-\n    echo hi\n    exit 0\nmetadata:\n" \
        "  name: script"
    assert content(after)["data"]["run.sh"] == "echo hi\nexit 0"


def test_a_key_after_a_block_scalar_goes_before_its_trailing_blank_lines() -> None:
    text = "kind: ConfigMap\ndata:\n  a: |\n    one\n\n  b: >-\n    two\n\n\n# end\n"
    after = write(text, [add("/data/c", "three")])
    assert after == text.replace("    two\n", "    two\n  c: three\n")


def test_siblings_set_the_column_even_when_it_is_odd() -> None:
    text = "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n" \
        "     privileged: true\n"
    context = "/spec/containers/0/securityContext"
    after = write(text, [add(context + "/privileged", False),
                         add(context + "/capabilities", {"drop": ["ALL"]})])
    assert after == text.replace(
        "true\n", "false\n     capabilities:\n       drop:\n       - ALL\n"
    )


# -- what goes to the round trip ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ops", "reason"),
    [
        pytest.param(
            "kind: Pod\nspec:\n  securityContext: {runAsUser: 1000}\n",
            [add("/spec/securityContext/runAsNonRoot", True)],
            "a flow mapping", id="flow-mapping",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  template: &pod\n    name: a\n  copy: *pod\n",
            [add("/spec/template/x", 1)],
            "aliases", id="alias",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  <<: {a: 1}\n  b: 2\n",
            [add("/spec/c", 3)],
            "merge or complex keys", id="merge-key",
        ),
        pytest.param(
            "kind: ConfigMap\ndata:\n  run.sh: |\n    echo hi\n",
            [{"op": "replace", "path": "/data/run.sh", "value": "echo bye\n"}],
            "a block scalar replaced", id="block-scalar",
        ),
        pytest.param(
            "kind: ConfigMap\ndata:\n  text: a long\n    folded line\n",
            [{"op": "replace", "path": "/data/text", "value": "short"}],
            "a value over several lines replaced", id="multi-line-plain",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  args: [\"a\",\t\"b\"]\n",
            [add("/spec/x", 1)],
            "tabs", id="tabs",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  securityContext:\n    runAsUser: 0\n",
            [{"op": "replace", "path": "/spec/securityContext", "value": {"runAsUser": 1000}}],
            "a block collection replaced", id="collection-replaced",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  matrix:\n  - [1, 2]\n",
            [add("/spec/matrix/-", [3, 4])],
            "a sequence in a sequence", id="nested-sequence",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  a: 1\n",
            [add("/spec/" + "k" * 200, 1)],
            "a key ruamel would write as `? key`", id="long-key",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  args: [a,\n    b]\n",
            [add("/spec/args/-", "c")],
            "a flow sequence over several lines", id="multi-line-flow",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  a: 1\r  b: 2\n",
            [add("/spec/c", 3)],
            "line breaks other than LF and CRLF", id="cr-line-break",
        ),
    ],
)
def test_what_the_splicer_leaves_to_the_round_trip(
    text: str, ops: list[dict[str, Any]], reason: str
) -> None:
    after, said = round_tripped(text, ops)
    assert said == reason
    expected = content(text)
    for op in ops:  # the round trip's own proof held; check the content once more
        expected = patch_value(expected, op["op"], op["path"], op.get("value"))
    assert content(after) == expected


def test_a_duplicate_key_is_refused_before_any_edit_is_tried() -> None:
    tally.reset()
    with pytest.raises(WriteError, match="duplicate key 'spec'"):
        apply_to_text("a: 1\nspec:\n  x: 1\nspec:\n  x: 2\n", "x.yaml", {0: [add("/b", 1)]})
    assert tally.counts() == {}


def test_a_splice_that_does_not_read_back_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(direct, "patched", lambda text, ops: text.replace("web", "WEB"))
    after, reason = round_tripped(DEPLOYMENT, [add("/spec/replicas", 3)])
    assert reason == "a splice that does not read back as patched"
    assert after == DEPLOYMENT.replace("replicas: 2", "replicas: 3")


def test_the_splicer_refuses_rather_than_guesses() -> None:
    """Straight calls: what it cannot do raises Unsupported, never a wrong text."""
    with pytest.raises(direct.Unsupported, match="the whole document"):
        direct.patched("a: 1\n", [{"op": "replace", "path": "", "value": {"b": 1}}])
    with pytest.raises(direct.Unsupported, match="not a block mapping"):
        direct.patched("{a: 1}\n", [add("/b", 1)])
