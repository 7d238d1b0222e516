"""What CloudFormation itself would reject, found before evaluation: section shapes, the arity of intrinsic
functions, conditions that are undefined or refer to themselves, references to names the template does not
define, and resources that depend on each other in a circle. Each issue comes with the path it is at."""

from __future__ import annotations

import re

from checker.loaders.cloudformation.template import PSEUDO, Template
from checker.loaders.declaration import kind_of
from checker.model.source import Path

# (least, most) arguments of the functions that take a list
ARITY = {
    "Fn::If": (3, 3), "Fn::Join": (2, 2), "Fn::Select": (2, 2), "Fn::Split": (2, 2), "Fn::FindInMap": (3, 4),
    "Fn::Equals": (2, 2), "Fn::Not": (1, 1), "Fn::And": (2, 10), "Fn::Or": (2, 10), "Fn::Cidr": (3, 3),
    "Fn::GetAtt": (2, 2),
}  # fmt: skip
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")

Issue = tuple[Path, str]


def check(template: Template) -> list[Issue]:
    value = template.value
    issues: list[Issue] = []
    for section in ("Parameters", "Conditions", "Mappings", "Resources", "Outputs"):
        if section in value and not isinstance(value[section], dict):
            issues.append(((section,), f"{section} must be a mapping, not {kind_of(value[section])}"))
    raw_resources = value.get("Resources") if isinstance(value.get("Resources"), dict) else {}
    for logical_id, resource in raw_resources.items():
        if not isinstance(resource, dict):
            issues.append((("Resources", logical_id), f"resource {logical_id} must be a mapping, not {kind_of(resource)}"))
        elif not isinstance(resource.get("Type"), str):
            issues.append((("Resources", logical_id), f"resource {logical_id} has no Type"))
    lenient = "Transform" in value  # SAM and macros add resources the text does not show
    walker = _Walker(template, issues, lenient)
    for section in ("Conditions", "Resources", "Outputs"):
        if isinstance(value.get(section), dict):
            walker.walk(value[section], [section])
    issues.extend(_condition_cycles(template))
    if not lenient:  # a transform rewrites references (SAM moves DeploymentPreference alarms into new resources)
        issues.extend(_resource_cycles(template, walker.depends))
    return issues


class _Walker:
    def __init__(self, template: Template, issues: list[Issue], lenient: bool) -> None:
        self.t = template
        self.issues = issues
        self.lenient = lenient
        self.names = set(template.parameters) | set(template.resources) | PSEUDO
        self.depends: dict[str, set[str]] = {name: set() for name in template.resources}

    def _owner(self, trail: list) -> str | None:
        return trail[1] if len(trail) > 1 and trail[0] == "Resources" else None

    def walk(self, value: object, trail: list) -> None:
        if isinstance(value, dict):
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if key == "Ref" or key.startswith("Fn::") or (key == "Condition" and trail and trail[0] == "Conditions"):
                    self._function(key, arg, trail)
            owner = self._owner(trail)
            if owner and len(trail) == 2:
                self._resource_attributes(owner, value, trail)
            for key, item in value.items():
                trail.append(key)
                self.walk(item, trail)
                trail.pop()
        elif isinstance(value, list):
            for index, item in enumerate(value):
                trail.append(index)
                self.walk(item, trail)
                trail.pop()

    def _issue(self, trail: list, message: str) -> None:
        self.issues.append((tuple(trail), message))

    def _function(self, name: str, arg: object, trail: list) -> None:
        here = trail + [name]
        if name in ARITY:
            least, most = ARITY[name]
            if name == "Fn::GetAtt" and isinstance(arg, str):
                if "." not in arg:
                    self._issue(here, f"Fn::GetAtt '{arg}' names no attribute (Resource.Attribute)")
                else:
                    self._depends(trail, arg.split(".", 1)[0])
                return
            if not isinstance(arg, list) or not least <= len(arg) <= most:
                count = f"{least}" if least == most else f"{least} to {most}"
                got = f"{len(arg)}" if isinstance(arg, list) else kind_of(arg)
                self._issue(here, f"{name} takes a list of {count} arguments, not {got}")
                return
        if name == "Ref":
            if not isinstance(arg, str):
                self._issue(here, f"Ref takes a name, not {kind_of(arg)}")
            elif arg not in self.names and not self.lenient and arg != "AWS::NoValue":
                self._issue(here, f"Ref to '{arg}', which is neither a parameter nor a resource of this template")
            else:
                self._depends(trail, arg)
        elif name == "Fn::GetAtt" and isinstance(arg[0], str):
            if arg[0] not in self.t.resources and not self.lenient:
                self._issue(here, f"Fn::GetAtt of '{arg[0]}', which is not a resource of this template")
            self._depends(trail, arg[0])
        elif name == "Fn::If" and isinstance(arg[0], str):
            self._condition(arg[0], here + [0])
        elif name == "Condition":
            self._condition(arg, here)
        elif name == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(arg, list) and not 1 <= len(arg) <= 2:
                self._issue(here, f"Fn::Sub takes a string, or a list of a string and a mapping, not {len(arg)} arguments")
            elif isinstance(text, str):
                for match in _SUB_NAME.finditer(text):
                    self._depends(trail, match.group(1).split(".", 1)[0])

    def _condition(self, name: object, trail: list) -> None:
        if not isinstance(name, str):
            self._issue(trail, f"a condition is named by a string, not {kind_of(name)}")
        elif name not in self.t.conditions:
            self._issue(trail, f"condition '{name}' is not defined in Conditions")

    def _resource_attributes(self, owner: str, resource: dict, trail: list) -> None:
        condition = resource.get("Condition")
        if condition is not None:
            self._condition(condition, trail + ["Condition"])
        depends = resource.get("DependsOn")
        for name in depends if isinstance(depends, list) else [depends] if isinstance(depends, str) else []:
            if isinstance(name, str):
                self._depends(trail, name)

    def _depends(self, trail: list, name: str) -> None:
        owner = self._owner(trail)
        if owner and name in self.t.resources and name != owner:
            self.depends.setdefault(owner, set()).add(name)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle once, as the names around it."""
    state: dict[str, int] = {}
    found: list[list[str]] = []
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                found.append(path[path.index(child) :])
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(graph.get(child, ())))))
                path.append(child)
    return found


def _condition_cycles(template: Template) -> list[Issue]:
    graph: dict[str, set[str]] = {}
    for name, expression in template.conditions.items():
        refs: set[str] = set()
        stack = [expression]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("Condition"), str) and len(item) == 1:
                    refs.add(item["Condition"])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        graph[name] = {r for r in refs if r in template.conditions}
    return [(("Conditions", cycle[0]), "conditions refer to each other in a circle: " + " -> ".join(cycle + [cycle[0]]))
            for cycle in _cycles(graph)]  # fmt: skip


def _resource_cycles(template: Template, depends: dict[str, set[str]]) -> list[Issue]:
    return [(("Resources", cycle[0]), "resources depend on each other in a circle (CloudFormation rejects this): "
             + " -> ".join(cycle + [cycle[0]])) for cycle in _cycles(depends)]  # fmt: skip
