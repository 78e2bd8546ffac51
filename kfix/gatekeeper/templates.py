"""ConstraintTemplates and Constraints → Rego modules kfix's engine loads, and the
constraints that say where and how they apply.

Gatekeeper compiles each template apart; kfix loads them all into one engine, so each
template's package is moved to `gatekeeper.templates.<Kind>` and its libraries under
`gatekeeper.libs.<Kind>`, as Gatekeeper itself once rewrote them. Rego is padded with
blank lines so an engine error's line is the line in the YAML file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kfix.engine.rego_source import IDENT, Token, outline, tokenize
from kfix.engine.rego_v0 import RegoV0Error, to_v1
from kfix.errors import KfixError
from kfix.gatekeeper.match import match_errors
from kfix.load import manifests
from kfix.model import Document, PolicyInfo, Problem

TEMPLATE_GROUP = "templates.gatekeeper.sh"
CONSTRAINT_GROUP = "constraints.gatekeeper.sh"
TARGET = "admission.k8s.gatekeeper.sh"
TEMPLATES_PACKAGE = "gatekeeper.templates"
LIBS_PACKAGE = "gatekeeper.libs"
ACTIONS = ("deny", "warn", "dryrun")


@dataclass(frozen=True)
class Template:
    kind: str
    file: str
    modules: Mapping[str, str]  # engine module name → Rego v1 source, packages moved
    schema: Mapping[str, Any] | None  # openAPIV3Schema of spec.parameters
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def uses_inventory(self) -> bool:
        return any("data.inventory" in source for source in self.modules.values())


@dataclass(frozen=True)
class Constraint:
    kind: str
    name: str
    file: str
    line: int
    parameters: Mapping[str, Any] = field(compare=False)  # kind/name identify it
    match: Mapping[str, Any] = field(compare=False)
    action: str = "deny"  # deny, warn or dryrun

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Library:
    """What a set of files holds: usable templates and constraints, and what was wrong."""

    templates: Mapping[str, Template]  # by CRD kind
    constraints: tuple[Constraint, ...]
    problems: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()  # things ignored on purpose, such as CEL validations

    @property
    def modules(self) -> dict[str, str]:
        return {n: s for t in self.templates.values() for n, s in t.modules.items()}

    @staticmethod
    def origin(module: str) -> str:
        """The YAML file an engine module name came from."""
        return module.split("#", 1)[0]

    def policies(self) -> dict[str, PolicyInfo]:
        """Each constraint as a policy, so reports and fragments treat it like one."""
        found = {}
        for c in self.constraints:
            template = self.templates[c.kind]
            found[c.id] = PolicyInfo(
                id=c.id,
                namespace=c.kind,
                file=template.file,  # fragments are looked for beside the template
                title=template.annotations.get("metadata.gatekeeper.sh/title", ""),
                description=template.annotations.get("description", ""),
                custom={"constraint_kind": c.kind, "enforcementAction": c.action,
                        "constraint_file": c.file},
            )
        return found


class DefinitionError(KfixError):
    """A template or constraint kfix cannot use; `schema` marks a parameter schema refusal."""

    def __init__(self, message: str, file: str = "", line: int = 0, *, schema: bool = False):
        super().__init__(message, file, line)
        self.schema = schema


def api_group(document: Any) -> str:
    version = document.get("apiVersion") if isinstance(document, Mapping) else None
    return version.rpartition("/")[0] if isinstance(version, str) else ""


def is_template(document: Any) -> bool:
    return api_group(document) == TEMPLATE_GROUP and document.get("kind") == "ConstraintTemplate"


def is_constraint(document: Any) -> bool:
    return api_group(document) == CONSTRAINT_GROUP


def load_library(paths: Sequence[str]) -> Library:
    """Every template and constraint under `paths`; other documents are passed over."""
    problems: list[Problem] = []
    documents: list[Document] = []
    for item in manifests.load(manifests.discover(paths)):
        problems.extend(item.problems)
        documents.extend(item.documents)
    return build_library(documents, problems)


def build_library(documents: Iterable[Document], problems: Sequence[Problem] = ()) -> Library:
    problems = list(problems)
    notes: list[Problem] = []
    templates: dict[str, Template] = {}
    unevaluated: set[str] = set()  # kinds whose templates hold no Rego (CEL only)
    pending: list[Document] = []
    for doc in documents:
        if is_constraint(doc.content):
            pending.append(doc)
        elif is_template(doc.content):
            try:
                template, said = read_template(doc)
            except DefinitionError as exc:
                problems.append(Problem(exc.file, exc.line, exc.message))
                continue
            notes.extend(said)
            if template is None:
                unevaluated.add(doc.content["spec"]["crd"]["spec"]["names"]["kind"])
                continue
            if template.kind in templates:
                problems.append(Problem(doc.file, doc.line, f"template for {template.kind} "
                                        f"already defined in {templates[template.kind].file}"))
                continue
            templates[template.kind] = template
    constraints = []
    for doc in pending:
        if doc.content.get("kind") in unevaluated:
            notes.append(Problem(doc.file, doc.line, f"{doc.content.get('kind')}: constraint "
                                 "not checked: its template has no Rego"))
            continue
        try:
            constraints.append(read_constraint(doc, templates))
        except DefinitionError as exc:
            problems.append(Problem(exc.file, exc.line, exc.message))
    return Library(templates, tuple(constraints), tuple(problems), tuple(notes))


def read_template(doc: Document) -> tuple[Template | None, list[Problem]]:
    """The template, or None with a note when it has no Rego (CEL only)."""
    spec = _mapping(doc, "spec", doc.content.get("spec"))
    names = _mapping(doc, "spec.crd.spec.names",
                     _dig(spec, "crd", "spec", "names"))
    kind = names.get("kind")
    if not isinstance(kind, str) or not kind.isidentifier():
        raise DefinitionError("spec.crd.spec.names.kind must be a name", doc.file, doc.line)
    name = _dig(doc.content, "metadata", "name")
    if name != kind.lower():
        raise DefinitionError(f"metadata.name must be {kind.lower()!r}, the kind in lower case",
                              doc.file, doc.line_of("/metadata/name"))
    targets = spec.get("targets")
    if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], Mapping):
        raise DefinitionError("spec.targets must hold exactly one target", doc.file, doc.line)
    target = targets[0]
    if target.get("target") != TARGET:
        raise DefinitionError(f"spec.targets[0].target must be {TARGET}",
                              doc.file, doc.line_of("/spec/targets/0"))
    notes = [Problem(doc.file, doc.line_of(f"/spec/targets/0/code/{i}"),
                     f"{kind}: {code.get('engine')} code is not evaluated by kfix; "
                     "its Rego is")
             for i, code in enumerate(target.get("code") or [])
             if isinstance(code, Mapping) and code.get("engine") != "Rego"]
    sources = _rego_sources(doc, target)
    if sources is None:
        notes.append(Problem(doc.file, doc.line, f"{kind}: no Rego to evaluate; "
                             "its constraints are not checked"))
        return None, notes
    schema = _dig(spec, "crd", "spec", "validation", "openAPIV3Schema")
    annotations = _dig(doc.content, "metadata", "annotations")
    return Template(
        kind=kind,
        file=doc.file,
        modules=_modules(doc, kind, *sources),
        schema=schema if isinstance(schema, Mapping) else None,
        annotations=annotations if isinstance(annotations, Mapping) else {},
    ), notes


def _rego_sources(doc: Document, target: Mapping[str, Any]
                  ) -> tuple[str, list[tuple[str, str]], str] | None:
    """(pointer of the Rego, [(pointer, lib)], version): an engine-Rego code entry first,
    else the target's own `rego`."""
    for i, code in enumerate(target.get("code") or []):
        if isinstance(code, Mapping) and code.get("engine") == "Rego":
            source = code.get("source")
            if not isinstance(source, Mapping):
                raise DefinitionError("code source must be a mapping", doc.file,
                                      doc.line_of(f"/spec/targets/0/code/{i}"))
            base = f"/spec/targets/0/code/{i}/source"
            version = str(source.get("version") or "v0")
            return base + "/rego", _libs(source, base), version
    if target.get("rego") is None:
        return None
    return "/spec/targets/0/rego", _libs(target, "/spec/targets/0"), "v0"


def _libs(holder: Mapping[str, Any], base: str) -> list[tuple[str, str]]:
    libs = holder.get("libs") or []
    return [(f"{base}/libs/{i}", lib) for i, lib in enumerate(libs if isinstance(libs, list)
                                                             else [])]


def _modules(doc: Document, kind: str, rego_pointer: str, libs: list[tuple[str, str]],
             version: str) -> dict[str, str]:
    """Engine modules named `<file>#<document><item>.<n>.rego`: unique per template, and
    ending in .rego so OPA's file:line messages can be read back."""
    if version not in ("v0", "v1"):
        raise DefinitionError(f"Rego version {version!r} is not v0 or v1", doc.file,
                              doc.line_of(rego_pointer))
    pieces = [(rego_pointer, _text_at(doc, rego_pointer))]
    pieces += [(pointer, _text_at(doc, pointer)) for pointer, _ in libs]
    converted = []
    for pointer, source in pieces:
        line = doc.line_of(pointer)
        try:
            converted.append((pointer, line, to_v1(source) if version == "v0" else source))
        except RegoV0Error as exc:
            raise DefinitionError(exc.message, doc.file, line + exc.line) from None
    own = _package(converted[0][2])
    if not own:
        raise DefinitionError("Rego has no package", doc.file, doc.line_of(rego_pointer))
    if not any(head.name == "violation" for head in outline(converted[0][2]).rules):
        raise DefinitionError("the template's Rego defines no `violation` rule, which is "
                              "what Gatekeeper evaluates", doc.file, doc.line_of(rego_pointer))
    renames = {own: f"{TEMPLATES_PACKAGE}.{kind}", "lib": f"{LIBS_PACKAGE}.{kind}.lib"}
    modules = {}
    for n, (pointer, line, source) in enumerate(converted):
        if n and not (_package(source) + ".").startswith("lib."):
            raise DefinitionError("a library's package must start with `lib.`", doc.file,
                                  doc.line_of(pointer))
        name = f"{doc.file}#{doc.index}{doc.item}.{n}.rego"
        modules[name] = "\n" * line + move_packages(source, renames)
    return modules


def _text_at(doc: Document, pointer: str) -> str:
    value: Any = doc.content
    for part in pointer.strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value.get(part)
    if not isinstance(value, str):
        raise DefinitionError("Rego must be a string", doc.file, doc.line_of(pointer))
    return value


def _package(source: str) -> str:
    tokens = tokenize(source)
    for i, token in enumerate(tokens):
        if token.is_("package"):
            return "".join(t.text for t in tokens[i + 1:] if t.line == token.line
                           and t.kind != "comment")
    return ""


def move_packages(source: str, renames: Mapping[str, str]) -> str:
    """Rename a package path (and refs into it) wherever it starts: in the `package`
    line and after `data.`; each rename is a dotted prefix such as `lib` or `k8sfoo`."""
    tokens = tokenize(source)
    edits: list[tuple[int, int, str]] = []
    for i, token in enumerate(tokens):
        if token.is_("package"):
            start = i + 1
        elif (token.is_("data") and token.kind == IDENT and i + 2 < len(tokens)
              and tokens[i + 1].is_(".") and (i == 0 or not tokens[i - 1].is_("."))):
            start = i + 2
        else:
            continue
        path = _dotted(tokens, start)
        for old, new in renames.items():
            if path == old or path.startswith(old + "."):
                edits.append((tokens[start].start, tokens[start].start + len(old), new))
                break
    for begin, finish, text in sorted(edits, reverse=True):
        source = source[:begin] + text + source[finish:]
    return source


def _dotted(tokens: Sequence[Token], start: int) -> str:
    """The dotted name starting at tokens[start], written without spaces."""
    parts: list[str] = []
    i = start
    while i < len(tokens) and tokens[i].kind == IDENT:
        parts.append(tokens[i].text)
        joined = i + 1 < len(tokens) and tokens[i + 1].is_(".")
        if not (joined and tokens[i + 1].start == tokens[i].end):
            break
        i += 2
    return ".".join(parts)


def read_constraint(doc: Document, templates: Mapping[str, Template]) -> Constraint:
    """A constraint of a known kind whose parameters and match its template accepts."""
    content = doc.content
    kind = content.get("kind")
    name = _dig(content, "metadata", "name")
    if not isinstance(name, str) or not name:
        raise DefinitionError("constraint has no metadata.name", doc.file, doc.line)
    template = templates.get(kind) if isinstance(kind, str) else None
    if template is None:
        raise DefinitionError(f"{kind}/{name}: no ConstraintTemplate defines kind {kind}",
                              doc.file, doc.line)
    spec = _mapping(doc, "spec", content.get("spec") or {})
    action = spec.get("enforcementAction") or "deny"
    if action not in ACTIONS:
        raise DefinitionError(f"{kind}/{name}: enforcementAction {action!r} is not one of "
                              f"{', '.join(ACTIONS)}", doc.file,
                              doc.line_of("/spec/enforcementAction"))
    match = spec.get("match") or {}
    errors = match_errors(match)
    if errors:
        raise DefinitionError(f"{kind}/{name}: {errors[0]}", doc.file,
                              doc.line_of("/spec/match"))
    parameters = spec.get("parameters") or {}
    if template.schema is not None:
        _check_parameters(doc, f"{kind}/{name}", parameters, template.schema)
    return Constraint(kind, name, doc.file, doc.line, parameters, match, action)


def _check_parameters(doc: Document, ident: str, parameters: Any,
                      schema: Mapping[str, Any]) -> None:
    """spec.parameters against the template's openAPIV3Schema, as the CRD would check."""
    import jsonschema  # here, not at the top: every scan imports this module, few check this

    validator = jsonschema.Draft4Validator(_json_schema(schema))
    error = next(iter(sorted(validator.iter_errors(parameters), key=lambda e: e.path)), None)
    if error is not None:
        path = [str(p) for p in error.absolute_path]
        pointer = "/".join(["/spec/parameters", *path])
        field = ".".join(["spec.parameters", *path])
        raise DefinitionError(f"{ident}: {field}: {error.message}", doc.file,
                              doc.line_of(pointer), schema=True)


def _json_schema(schema: Any) -> Any:
    """OpenAPI v3 → JSON Schema: `nullable` widens the type; x-kubernetes-* are dropped."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = {k: _json_schema(v) for k, v in schema.items()
           if not k.startswith("x-kubernetes-") and k != "nullable"}
    if schema.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _mapping(doc: Document, where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DefinitionError(f"{where} must be a mapping", doc.file, doc.line)
    return value
