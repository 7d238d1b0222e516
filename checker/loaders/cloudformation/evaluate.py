"""Evaluating a template's intrinsic functions and conditions under one scenario.

Everything a template leaves open becomes an `Unknown` with the reason, and, for strings, the known text with
the open parts as `${Name}`: `!Sub arn:aws:iam::${ProdAccount}:role/deploy` with no value for ProdAccount gives
Unknown(text="arn:aws:iam::${ProdAccount}:role/deploy").
"""

from __future__ import annotations

import json
import re

from checker.loaders.cloudformation.template import ARN_SHAPE, NAME_PROPERTY, PSEUDO, PSEUDO_DEFAULTS, Template, param_text
from checker.loaders.declaration import NO_VALUE
from checker.model import ANY_OTHER, Unknown
from checker.model.source import Path

_BUSY = object()  # a property being evaluated: met again, it is a cycle
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_MAX_NESTING = 64


def concat(parts: list[object]) -> str | Unknown:
    """Join parts into a string; an unknown part makes an Unknown that keeps the known text."""
    texts, reason = [], None
    for part in parts:
        if part is NO_VALUE:
            reason = reason or "AWS::NoValue cannot stand inside a string"
            texts.append("${AWS::NoValue}")
        elif isinstance(part, Unknown):
            reason = reason or part.reason
            texts.append(part.text if part.text is not None else "${?}")
        elif isinstance(part, (list, dict)):
            reason = reason or "a list or mapping where text was expected"
            texts.append("${?}")
        else:
            texts.append(param_text(part))
    text = "".join(texts)
    return text if reason is None else Unknown(reason, text)


class Evaluator:
    """Resolves a template's intrinsic functions under one scenario (an assignment of parameter values)."""

    def __init__(self, template: Template, assignment: dict[str, str] | None = None,
                 undecided: frozenset[str] = frozenset()) -> None:  # fmt: skip
        self.t = template
        self.assignment = assignment or {}
        self.undecided = undecided
        self._conditions: dict[str, bool | None] = {}
        self._properties: dict[tuple[str, str], object] = {}
        self._depth = 0

    # -- the Resolver protocol used by the declaration reader ------------------------------------------------

    def node(self, raw: object, path: Path) -> tuple[object, Path]:
        while isinstance(raw, dict) and len(raw) == 1:
            key, arg = next(iter(raw.items()))
            if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                decided = self.condition(arg[0])
                if decided is None:
                    return self._undecided(arg[0]), path
                index = 1 if decided else 2
                raw, path = arg[index], path + ("Fn::If", index)
                continue
            if key == "Ref" or key.startswith("Fn::"):
                return self.value(raw), path
            break
        return raw, path

    def value(self, raw: object, path: Path = ()) -> object:  # noqa: ARG002
        self._depth += 1
        try:
            if self._depth > _MAX_NESTING:
                return Unknown("intrinsic functions nest too deeply (a reference cycle?)")
            return self._value(raw)
        finally:
            self._depth -= 1

    def _value(self, raw: object) -> object:
        if isinstance(raw, dict):
            if len(raw) == 1:
                key, arg = next(iter(raw.items()))
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key, arg)
            result = {}
            for key, item in raw.items():
                value = self.value(item)
                if value is not NO_VALUE:
                    result[key] = value
            return result
        if isinstance(raw, list):
            return [v for v in (self.value(item) for item in raw) if v is not NO_VALUE]
        return raw

    # -- intrinsic functions ---------------------------------------------------------------------------------

    def _intrinsic(self, name: str, arg: object) -> object:
        handler = getattr(self, "_fn_" + name.removeprefix("Fn::").lower(), None)
        if handler is None:
            return Unknown(f"{name} is not evaluated by pipelint")
        try:
            return handler(arg)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
            return Unknown(f"malformed {name}: {json.dumps(arg, default=str)[:120]}")

    def _fn_ref(self, name: object) -> object:
        if not isinstance(name, str):
            return Unknown(f"Ref to {name!r}, which is not a name")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.t.given:
            return self._typed(name, self.t.given[name])
        if name in self.t.parameters or name in self.assignment:
            return self.parameter(name)
        if name in PSEUDO:
            return PSEUDO_DEFAULTS.get(name) or Unknown(f"{name} is known only when the stack is deployed", f"${{{name}}}")
        if name in self.t.resources:
            return self.resource_ref(name)
        return Unknown(f"Ref to '{name}', which is neither a parameter nor a resource of this template", f"${{{name}}}")

    def parameter(self, name: str) -> object:
        """A parameter's value (or a pseudo parameter's, when a scenario assigns it)."""
        param = self.t.parameters.get(name)
        value = self.assignment.get(name)
        if value == ANY_OTHER:
            return Unknown(f"{name} takes a value other than those the template compares it with", f"${{{name}}}")
        if value is None and param is not None:
            value = param.default
        if value is None:
            return Unknown(f"parameter {name} has no default and no value was given (--param {name}=...)", f"${{{name}}}")
        return self._typed(name, value)

    def _typed(self, name: str, value: str) -> object:
        param = self.t.parameters.get(name)
        return [v.strip() for v in value.split(",")] if param and param.is_list else value

    def resource_ref(self, logical_id: str) -> object:
        kind = self.t.resource_type(logical_id) or ""
        if (kind, "Ref") in ARN_SHAPE:
            return self._arn(logical_id, kind, "Ref")
        name_property = NAME_PROPERTY.get(kind)
        if name_property:
            name = self._property(logical_id, name_property)
            if name is not None:
                return name
            return Unknown(f"the name CloudFormation generates for {logical_id}", f"${{{logical_id}}}")
        return Unknown(f"the id of resource {logical_id}, known after deployment", f"${{{logical_id}}}")

    def _property(self, logical_id: str, name: str) -> object:
        """A resource's property, evaluated once; a reference cycle gives an Unknown, not a hang."""
        key = (logical_id, name)
        if key in self._properties:
            value = self._properties[key]
            return Unknown(f"{logical_id}.{name} refers back to itself (a circular reference)") if value is _BUSY else value
        properties = self.t.resources[logical_id].get("Properties")
        if not isinstance(properties, dict) or name not in properties:
            return None
        self._properties[key] = _BUSY
        value = self.value(properties[name])
        self._properties[key] = value = None if value is NO_VALUE else value
        return value

    def _arn(self, logical_id: str, kind: str, attribute: str) -> object:
        service, regional, prefix, name_property = ARN_SHAPE[(kind, attribute)]
        name = self._property(logical_id, name_property) if name_property else None
        if name is None:
            name = Unknown(f"the name CloudFormation generates for {logical_id}", f"${{{logical_id}}}")
        if service == "s3":
            return concat(["arn:", self._fn_ref("AWS::Partition"), ":s3:::", name])
        region = self._fn_ref("AWS::Region") if regional else ""
        account = self._fn_ref("AWS::AccountId")
        return concat(["arn:", self._fn_ref("AWS::Partition"), f":{service}:", region, ":", account, ":", prefix, name])

    def _fn_getatt(self, arg: object) -> object:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        resource, attribute = self.value(arg[0]), self.value(arg[1])
        if not isinstance(resource, str) or not isinstance(attribute, str):
            return Unknown("Fn::GetAtt with a computed name")
        kind = self.t.resource_type(resource)
        if kind is None:
            return Unknown(f"Fn::GetAtt of '{resource}', which is not a resource of this template")
        if (kind, attribute) in ARN_SHAPE:
            return self._arn(resource, kind, attribute)
        if kind in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application") and attribute.startswith("Outputs."):
            return Unknown(f"output {attribute[8:]} of nested stack {resource}, which is not scanned", f"${{{resource}.{attribute}}}")
        return Unknown(f"attribute {attribute} of {resource}, known after deployment", f"${{{resource}.{attribute}}}")

    def _fn_sub(self, arg: object) -> object:
        if isinstance(arg, list):
            text, variables = arg[0], arg[1] if len(arg) > 1 else {}
        else:
            text, variables = arg, {}
        text = self.value(text)
        if not isinstance(text, str):
            return text if isinstance(text, Unknown) else Unknown("Fn::Sub of something that is not text")
        parts: list[object] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            name = match.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
            elif isinstance(variables, dict) and name in variables:
                parts.append(self.value(variables[name]))
            elif "." in name and not name.startswith("AWS::"):
                parts.append(self._fn_getatt(name.split(".", 1)))
            else:
                parts.append(self._fn_ref(name))
        parts.append(text[position:])
        return concat(parts)

    def _fn_join(self, arg: object) -> object:
        delimiter, items = self.value(arg[0]), self.value(arg[1])
        if isinstance(items, Unknown):
            return items
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return Unknown("Fn::Join of something that is not a list")
        parts: list[object] = []
        for index, item in enumerate(items):
            if index:
                parts.append(delimiter)
            parts.append(item)
        return concat(parts)

    def _fn_if(self, arg: object) -> object:
        decided = self.condition(arg[0])
        if decided is None:
            return self._undecided(arg[0])
        return self.value(arg[1] if decided else arg[2])

    def _undecided(self, name: object) -> Unknown:
        if name in self.undecided:
            return Unknown(f"depends on condition {name}, left undecided: its parameters have more than "
                           "16 combinations of values (give some with --param)")  # fmt: skip
        if name not in self.t.conditions:
            return Unknown(f"depends on condition {name}, which the template does not define")
        return Unknown(f"depends on condition {name}, which the files do not decide")

    def _fn_findinmap(self, arg: object) -> object:
        keys = [self.value(k) for k in arg[:3]]
        for key in keys:
            if isinstance(key, Unknown):
                return Unknown(f"Fn::FindInMap with an unknown key: {key.reason}")
        name, top, second = (param_text(k) for k in keys)
        try:
            return self.value(self.t.mappings[name][top][second])
        except (KeyError, TypeError):
            if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.value(arg[3]["DefaultValue"])
            return Unknown(f"mapping {name} has no entry {top}/{second}")

    def _fn_select(self, arg: object) -> object:
        index, items = self.value(arg[0]), self.value(arg[1])
        if isinstance(items, Unknown) or isinstance(index, Unknown):
            return items if isinstance(items, Unknown) else index
        if not isinstance(items, list) or int(index) < 0 or int(index) >= len(items):
            return Unknown(f"Fn::Select index {index} is not in the list")
        return items[int(index)]

    def _fn_split(self, arg: object) -> object:
        delimiter, text = self.value(arg[0]), self.value(arg[1])
        if isinstance(text, Unknown):
            return Unknown(text.reason)
        return text.split(delimiter)

    def _fn_importvalue(self, arg: object) -> object:
        name = self.value(arg)
        label = name.text if isinstance(name, Unknown) else name
        return Unknown(f"imported from another stack (Fn::ImportValue {label})", f"${{ImportValue:{label}}}")

    def _fn_base64(self, arg: object) -> object:
        return self.value(arg)

    def _fn_tojsonstring(self, arg: object) -> object:
        value = self.value(arg)
        if _has_unknown(value):
            return Unknown("Fn::ToJsonString of a value with unknown parts")
        return json.dumps(value, separators=(",", ":"))

    def _fn_getazs(self, arg: object) -> object:  # noqa: ARG002
        return Unknown("the availability zones of the deployment region")

    def _fn_transform(self, arg: object) -> object:
        return Unknown(f"the output of macro {arg.get('Name') if isinstance(arg, dict) else arg}")

    # -- conditions (three-valued: True, False, or None when the files do not decide) ------------------------

    def condition(self, name: object) -> bool | None:
        if not isinstance(name, str):
            return None
        if name in self.undecided:
            return None
        if name not in self._conditions:
            self._conditions[name] = None  # a cycle reads as undecided
            expression = self.t.conditions.get(name)
            self._conditions[name] = None if expression is None else self._truth(expression)
        return self._conditions[name]

    def _truth(self, expression: object) -> bool | None:
        if isinstance(expression, bool):
            return expression
        if not isinstance(expression, dict) or len(expression) != 1:
            return None
        key, arg = next(iter(expression.items()))
        if key == "Condition":
            return self.condition(arg)
        if not isinstance(arg, list):
            return None
        if key == "Fn::Equals" and len(arg) == 2:
            return self._equals(arg[0], arg[1])
        values = [self._truth(item) for item in arg]
        if key == "Fn::Not" and len(values) == 1:
            return None if values[0] is None else not values[0]
        if key == "Fn::And":
            return False if False in values else (None if None in values else True)
        if key == "Fn::Or":
            return True if True in values else (None if None in values else False)
        return None

    def _equals(self, left: object, right: object) -> bool | None:
        a, b = self.value(left), self.value(right)
        for side, other in ((left, b), (right, a)):
            if (isinstance(side, dict) and self.assignment.get(side.get("Ref")) == ANY_OTHER  # type: ignore[arg-type]
                    and not isinstance(other, Unknown)):  # fmt: skip
                return False
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return None
        return _comparable(a) == _comparable(b)


def _comparable(value: object) -> object:
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return param_text(value) if isinstance(value, (bool, int, float)) else value


def _has_unknown(value: object) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False
