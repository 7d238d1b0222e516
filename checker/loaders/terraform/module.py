"""A Terraform module: the .tf files of one directory, evaluated the way `terraform plan` would see them.

Variables take their value from `--param`, `--var-file`, `*.auto.tfvars`, `terraform.tfvars` and their
defaults (later wins, as in Terraform); locals, resources, data sources and providers are read from all files
of the module. References between resources resolve to the arguments written in the configuration; what only
`apply` knows (an `id`, most `arn`s) is Unknown with that reason, keeping a text such as
`${aws_kms_key.artifacts.key_id}` that the analysis can still compare. The account and region of a provider are
known when its block says so (`allowed_account_ids`, `assume_role.role_arn`, `region`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.loaders.terraform import attributes
from checker.loaders.terraform.expressions import Bound, evaluate, literal
from checker.loaders.terraform.hcl import Attribute, Block, HclFile
from checker.model import Unknown
from checker.model.arn import account_of

_GIVEN_FROM = "terraform.tfvars, *.auto.tfvars, --var-file or --param"
_BUSY = object()


@dataclass(frozen=True, slots=True)
class Declared:
    block: Block
    file: HclFile

    def expr_text(self, name: str) -> str | None:
        """The source text of an argument's expression (for meta-arguments such as `provider = aws.prod`)."""
        attribute = self.block.attributes.get(name)
        if attribute is None:
            return None
        meta = getattr(attribute.expr, "meta", None)
        if meta is None or getattr(meta, "empty", True):
            return str(attribute.expr)
        return self.file.text[meta.start_pos : meta.end_pos].strip()


@dataclass(slots=True)
class Module:
    directory: str
    files: list[HclFile]
    given: dict[str, object] = field(default_factory=dict)  # variable values from tfvars and the command line
    variables: dict[str, Declared] = field(default_factory=dict)
    locals: dict[str, tuple[Attribute, HclFile]] = field(default_factory=dict)
    resources: dict[tuple[str, str], Declared] = field(default_factory=dict)
    data: dict[tuple[str, str], Declared] = field(default_factory=dict)
    providers: dict[str, Declared] = field(default_factory=dict)
    parent: Module | None = None  # the module whose `module` block calls this one
    provider_map: dict[str, str] = field(default_factory=dict)  # this module's provider names -> the parent's
    calls: dict[str, Declared] = field(default_factory=dict)  # `module` blocks
    duplicates: list[tuple[HclFile, Block | Attribute, str]] = field(default_factory=list)
    left_out: list[tuple[HclFile, Block, str]] = field(default_factory=list)  # instances past the limit
    _cache: dict[tuple, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for hcl in self.files:
            for block in hcl.body.blocks:
                self._declare(hcl, block)

    def _declare(self, hcl: HclFile, block: Block) -> None:
        labels = block.labels
        if block.type == "variable" and len(labels) == 1:
            self._add(self.variables, labels[0], Declared(block, hcl), hcl, block, f"variable \"{labels[0]}\"")
        elif block.type == "locals":
            for name, attribute in block.attributes.items():
                if name in self.locals:
                    self.duplicates.append((hcl, attribute, f"local value '{name}' is defined twice"))
                self.locals[name] = (attribute, hcl)
        elif block.type in ("resource", "data") and len(labels) == 2:
            table = self.resources if block.type == "resource" else self.data
            self._add(table, (labels[0], labels[1]), Declared(block, hcl), hcl, block, f"{block.type} \"{labels[0]}\" \"{labels[1]}\"")
        elif block.type == "module" and len(labels) == 1:
            self._add(self.calls, labels[0], Declared(block, hcl), hcl, block, f"module \"{labels[0]}\"")
        elif block.type == "provider" and len(labels) == 1:
            alias = block.attributes.get("alias")
            name = labels[0] if alias is None else f"{labels[0]}.{literal(alias.expr, hcl.text)}"
            self._add(self.providers, name, Declared(block, hcl), hcl, block, f"provider {name}")

    def _add(self, table: dict, key: object, value: Declared, hcl: HclFile, block: Block, what: str) -> None:
        if key in table:
            self.duplicates.append((hcl, block, f"{what} is declared twice in the module (Terraform rejects this)"))
        table[key] = value

    # -- values ----------------------------------------------------------------------------------------------

    def scope(self) -> ModuleScope:
        return ModuleScope(self)

    def variable(self, name: str) -> object:
        if name in self.given:
            return self.given[name]
        declared = self.variables.get(name)
        text = f"${{var.{name}}}"
        if declared is None:
            return Unknown(f"var.{name} is not declared in the scanned files", text)
        default = declared.block.attributes.get("default")
        if default is None:
            given_from = "the module block that calls this module does not set it" if self.parent else f"no value is given ({_GIVEN_FROM})"
            return Unknown(f"var.{name} has no default and {given_from}", text)
        return self._cached(("var", name), lambda: literal(default.expr, declared.file.text))

    def local(self, name: str) -> object:
        found = self.locals.get(name)
        if found is None:
            return Unknown(f"local.{name} is not defined in the scanned files", f"${{local.{name}}}")
        attribute, hcl = found
        return self._cached(("local", name), lambda: evaluate(attribute.expr, self.scope(), hcl.text),
                            f"local.{name} refers to itself")  # fmt: skip

    def attribute(self, kind: str, name: str, key: object, steps: tuple[object, ...]) -> tuple[object, int]:
        """`kind.name[key].attribute`: an argument written in the configuration, or what the provider computes."""
        declared = self.resources.get((kind, name))
        address = f"{kind}.{name}" + ("" if key is None else f"[{key!r}]")
        if declared is None:
            return Unknown(f"{kind}.{name} is not defined in the scanned files", f"${{{kind}.{name}}}"), 0
        if not steps or not isinstance(steps[0], str):
            return Unknown(f"{address} as a whole is known only after apply", f"${{{address}}}"), 0
        attr = steps[0]
        scope = self.instance_scope(declared, key)
        written = declared.block.attributes.get(attr)

        def own(arg: str) -> object:
            argument = declared.block.attributes.get(arg)
            if argument is None:
                return None
            return self._cached(("arg", kind, name, key, arg), lambda: evaluate(argument.expr, scope, declared.file.text),
                                f"{address}.{arg} refers to itself")  # fmt: skip

        if written is not None and attr not in attributes.COMPUTED_OVER_ARGUMENT.get(kind, ()):
            return own(attr), 1
        account, region = self.provider_of(declared)
        return attributes.computed(kind, address, attr, own, account, region), 1

    def data_attribute(self, kind: str, name: str, steps: tuple[object, ...]) -> tuple[object, int]:
        declared = self.data.get((kind, name))
        attr = steps[0] if steps else None
        address = f"data.{kind}.{name}"
        if declared is None:
            return Unknown(f"{address} is not defined in the scanned files", f"${{{address}}}"), 0
        account, region = self.provider_of(declared)
        scope = self.scope()

        def own(arg: str) -> object:
            argument = declared.block.attributes.get(arg)
            return None if argument is None else evaluate(argument.expr, scope, declared.file.text)

        return attributes.data(kind, address, str(attr), own, account, region), 1

    def provider_of(self, declared: Declared) -> tuple[object, object]:
        """The account and region of the provider configuration a resource uses."""
        name = declared.expr_text("provider") or declared.block.labels[0].split("_", 1)[0]
        return self._cached(("provider", name), lambda: self._provider(name))  # type: ignore[return-value]

    def _provider(self, name: str) -> tuple[object, object]:
        declared = self.providers.get(name)
        if declared is None and self.parent is not None:  # a child module uses its caller's configurations
            return self.parent._cached(("provider", self.provider_map.get(name, name)),
                                       lambda: self.parent._provider(self.provider_map.get(name, name)))  # type: ignore[union-attr]
        account: object = Unknown(f"the account of provider {name}'s credentials is not in the files",
                                  f"${{provider.{name}.account_id}}")  # fmt: skip
        region: object = Unknown(f"provider {name} sets no region (AWS_REGION or the profile decides)",
                                 f"${{provider.{name}.region}}")  # fmt: skip
        if declared is None:
            return account, region
        scope = self.scope()
        block = declared.block
        if "region" in block.attributes:
            region = evaluate(block.attributes["region"].expr, scope, declared.file.text)
        allowed = block.attributes.get("allowed_account_ids")
        ids = evaluate(allowed.expr, scope, declared.file.text) if allowed else None
        if isinstance(ids, list) and len(ids) == 1 and isinstance(ids[0], str):
            account = ids[0]
        for assume in block.children("assume_role"):
            role = assume.attributes.get("role_arn")
            found = account_of(evaluate(role.expr, scope, declared.file.text)) if role else None
            if found is not None:
                account = found
        return account, region

    def instance_scope(self, declared: Declared, key: object) -> ModuleScope:
        """The scope inside a resource instance: `count.index` or `each.key` / `each.value`."""
        scope = self.scope()
        if "count" in declared.block.attributes:
            return Bound(scope, {"count": {"index": key if key is not None else Unknown("count.index of an instance not chosen")}})  # type: ignore[return-value]
        if "for_each" in declared.block.attributes:
            each = self.instances(declared)
            value = each.get(key, Unknown(f"each.value of {declared.block.labels[1]}[{key!r}] is unknown")) if isinstance(each, dict) else each
            return Bound(scope, {"each": {"key": key, "value": value}})  # type: ignore[return-value]
        return scope

    def instances(self, declared: Declared) -> dict[object, object] | Unknown | None:
        """The instances `count` or `for_each` make: {key: each.value}; None for a single instance."""
        block = declared.block
        scope = self.scope()
        if "count" in block.attributes:
            count = evaluate(block.attributes["count"].expr, scope, declared.file.text)
            if isinstance(count, bool) or not isinstance(count, (int, float)):
                reason = count.reason if isinstance(count, Unknown) else f"count is {count!r}"
                return Unknown(f"how many instances count makes is unknown: {reason}")
            return self._limited(declared, {index: index for index in range(min(int(count), attributes.MAX_INSTANCES + 1))})
        if "for_each" in block.attributes:
            each = evaluate(block.attributes["for_each"].expr, scope, declared.file.text)
            if isinstance(each, dict):
                return self._limited(declared, dict(sorted(each.items())))
            if isinstance(each, list) and all(isinstance(item, str) for item in each):
                return self._limited(declared, {item: item for item in sorted(set(each))})
            reason = each.reason if isinstance(each, Unknown) else "for_each is not a map or a set of strings"
            return Unknown(f"the instances for_each makes are unknown: {reason}")
        return None

    def _limited(self, declared: Declared, instances: dict[object, object]) -> dict[object, object]:
        if len(instances) <= attributes.MAX_INSTANCES:
            return instances
        key = (declared.file.file, declared.block.span)
        if not any((hcl.file, block.span) == key for hcl, block, _ in self.left_out):
            self.left_out.append((declared.file, declared.block, f"{'.'.join(declared.block.labels)} makes more than "
                                  f"{attributes.MAX_INSTANCES:,} instances; pipelint reads the first {attributes.MAX_INSTANCES:,}"))
        return dict(list(instances.items())[: attributes.MAX_INSTANCES])

    def _cached(self, key: tuple, compute: object, loop: str = "a value refers to itself") -> object:
        found = self._cache.get(key)
        if found is _BUSY:
            return Unknown(f"{loop} (a cycle Terraform rejects)")
        if found is not None or key in self._cache:
            return found
        self._cache[key] = _BUSY
        value = compute()  # type: ignore[operator]
        self._cache[key] = value
        return value


class ModuleScope:
    """Resolves references in a module: var, local, path, terraform, data, module and resources."""

    def __init__(self, module: Module) -> None:
        self.module = module

    def resolve(self, root: str, steps: tuple[object, ...]) -> tuple[object, int]:
        module = self.module
        first = steps[0] if steps else None
        where = ".".join([root] + [str(s) for s in steps[:1]])
        if root in ("var", "local") and not isinstance(first, str):
            return Unknown(f"{root} needs a name after it"), 0
        if root == "var":
            return module.variable(first), 1  # type: ignore[arg-type]
        if root == "local":
            return module.local(first), 1  # type: ignore[arg-type]
        if root == "path":
            if first in ("module", "root"):
                return module.directory, 1
            return Unknown(f"{where} is known only when Terraform runs", f"${{{where}}}"), 1
        if root == "terraform":
            return Unknown(f"{where} is chosen when Terraform runs", f"${{{where}}}"), 1
        if root == "module":
            output = ".".join(str(s) for s in steps[:2])
            return Unknown(f"module.{output} is an output of module {first}, which pipelint does not evaluate",
                           f"${{module.{output}}}"), min(len(steps), 2)  # fmt: skip
        if root == "data":
            if len(steps) < 2 or not all(isinstance(s, str) for s in steps[:2]):
                return Unknown(f"an incomplete data source reference {where}"), 0
            declared = module.data.get((steps[0], steps[1]))  # type: ignore[arg-type]
            rest = steps[2:]
            if declared is not None and ("count" in declared.block.attributes or "for_each" in declared.block.attributes) and rest:
                rest = rest[1:]  # data.x.y[0].attr: every instance reads the same
            value, used = module.data_attribute(steps[0], steps[1], rest)  # type: ignore[arg-type]
            return value, len(steps) - len(rest) + used
        if root in ("each", "count", "self"):
            return Unknown(f"{root} is used outside a resource that defines it"), 0
        if not isinstance(first, str):
            return Unknown(f"{root} is not a value pipelint knows (not a variable, local or resource)", f"${{{root}}}"), 0
        declared = module.resources.get((root, first))
        rest = steps[1:]
        key = None
        if declared is not None and ("count" in declared.block.attributes or "for_each" in declared.block.attributes):
            if not rest:
                return Unknown(f"{root}.{first} has several instances; which is meant is not chosen",
                               f"${{{root}.{first}}}"), 1  # fmt: skip
            key, rest = rest[0], rest[1:]
        value, used = module.attribute(root, first, key, rest)
        return value, len(steps) - len(rest) + used

