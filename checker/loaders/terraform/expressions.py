"""Terraform expressions evaluated from python-hcl2's parse tree, to values or `Unknown`s with the reason.

pipelint reads a Terraform pipeline as `terraform plan` would see it: a variable's default, a local built
with `format` and a `for`, a role ARN joined from an account variable. This module walks the raw Lark tree
(python-hcl2's dict output flattens expressions to text) and asks a `Scope` what names refer to. What the
files do not determine stays an `Unknown` with the reason; an unknown string keeps its known parts in `text`,
each unknown part written as `${source}` (`arn:aws:iam::${var.prod_account}:role/deploy`), so the analysis
can still compare accounts. What Terraform would reject says so. Hostile input is bounded: the nesting depth
here, the values built and the string lengths by values.Budget.

This module is the public entry point and the evaluator's core (literals, operators, references, splats,
`for`, function calls). Around it: scopes.py (names and steps), templates.py (strings and heredocs),
values.py (Terraform's value rules and the limits) and functions.py (the built-in functions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lark import Token, Tree

from checker.loaders.terraform import functions, templates
from checker.loaders.terraform.scopes import Bound, Scope, bind, iteration, path_text, step_text, traverse
from checker.loaders.terraform.tree import has_token, name_of, subtrees
from checker.loaders.terraform.values import (
    MAX_DEPTH, REJECTED, TOO_BIG_NUMBER, TOO_DEEP, Budget, Call, EvalError, Stop, a_type, arithmetic,
    as_list, equal, first_unknown, number, number_literal, snippet, to_bool, to_number, to_text,
)  # fmt: skip
from checker.model.values import Unknown

__all__ = ["Bound", "EvalError", "Scope", "evaluate", "literal", "traverse"]

CONSTANTS_ONLY = "a .tfvars file may hold only constant values"


class _Constants:
    """The scope of a .tfvars file: no names at all."""

    def resolve(self, root: str, steps: tuple[object, ...]) -> tuple[object, int]:
        where = path_text(root, steps)
        return Unknown(f"{where} is a reference, but {CONSTANTS_ONLY}", f"${{{where}}}"), len(steps)


def evaluate(node: Tree | Token, scope: Scope, text: str) -> object:
    """The value of an expression node. `text` is the whole source text of the file the node was parsed from
    (for source snippets in Unknown texts and reasons: text[node.meta.start_pos:node.meta.end_pos]).
    EvalError inside becomes an Unknown whose reason starts with "Terraform would reject this: ";
    never raises anything else for any input (see Limits)."""
    return _run(node, scope, text, constants_only=False)


def literal(node: Tree | Token, text: str) -> object:
    """Evaluate with a scope that knows nothing: for .tfvars files (which may only hold constants); any
    reference becomes Unknown("... a .tfvars file may hold only constant values")."""
    return _run(node, _Constants(), text, constants_only=True)


def _run(node: Tree | Token, scope: Scope, text: str, constants_only: bool) -> object:
    evaluator = Evaluator(Run(Budget(), constants_only), text)
    try:
        return evaluator.eval(node, scope)
    except EvalError as error:
        return Unknown(REJECTED + str(error))
    except Stop as stop:
        return Unknown(stop.reason)
    except RecursionError:  # the depth limits come first; this is for a caller already deep in its own stack
        return Unknown(TOO_DEEP)
    except Exception as error:  # a tree or a scope value pipelint did not expect must not end the whole run
        what = f"{type(error).__name__}: {snippet(str(error))}"
        return Unknown(f"pipelint could not evaluate this expression ({what})")


@dataclass(slots=True)
class Run:
    """What one evaluation shares across the texts it reads (a heredoc's `${}`s are parsed apart)."""

    budget: Budget
    constants_only: bool
    depth: int = 0
    parsed: dict[str, tuple[Tree, str]] | None = None


class Evaluator:
    """Evaluates the nodes of one source text; `at` gives one for another text sharing the same Run.
    templates.py uses eval, at, src, unknown, named, run and text for what strings and heredocs enclose."""

    def __init__(self, run: Run, text: str) -> None:
        self.run = run
        self.text = text

    def at(self, text: str) -> Evaluator:
        return self if text is self.text else Evaluator(self.run, text)

    def src(self, node: Tree | Token) -> str:
        holder = node if isinstance(node, Token) else getattr(node, "meta", None)
        start, end = getattr(holder, "start_pos", None), getattr(holder, "end_pos", None)
        return "?" if start is None or end is None else self.text[start:end].strip()

    def unknown(self, cause: Unknown, node: Tree | Token) -> Unknown:
        return Unknown(cause.reason, f"${{{self.src(node)}}}")

    def named(self, value: object, node: Tree | Token) -> object:
        """A whole-expression unknown reads as the expression itself."""
        if isinstance(value, Unknown) and value.text is None:
            return self.unknown(value, node)
        return value

    def eval(self, node: Tree | Token, scope: Scope) -> object:
        run = self.run
        levels = 1
        while isinstance(node, Tree) and node.data == "expr_term":
            inner = subtrees(node)
            if len(inner) != 1:
                break
            levels += has_token(node, "LPAR")  # a parenthesis nests like any other level
            node = inner[0]
        run.depth += levels
        try:
            if run.depth > MAX_DEPTH:
                raise Stop(TOO_DEEP)
            run.budget.spend()
            if isinstance(node, Token):
                return self._token(node, scope)
            handler = _HANDLERS.get(str(node.data))
            if handler is None:
                return Unknown(f"pipelint does not evaluate {node.data} expressions")
            return handler(self, node, scope)
        finally:
            run.depth -= levels

    def _token(self, token: Token, scope: Scope) -> object:
        if token.type in ("INT_LITERAL", "FLOAT_LITERAL"):
            return number_literal(str(token))
        if token.type in ("TRUE", "FALSE", "NULL"):
            return {"TRUE": True, "FALSE": False, "NULL": None}[token.type]
        if token.type == "NAME":
            return self._reference(str(token), (), scope, token)
        return Unknown(f"pipelint does not evaluate a {token.type} token as an expression")

    # literals and collections

    def _number(self, node: Tree, scope: Scope) -> object:
        return number_literal(str(node.children[0]))

    def _literal_value(self, node: Tree, scope: Scope) -> object:
        return self._token(node.children[0], scope)  # type: ignore[arg-type]  # TRUE, FALSE or NULL

    def _tuple(self, node: Tree, scope: Scope) -> object:
        items = subtrees(node)
        self.run.budget.spend(len(items))
        return [self.eval(item, scope) for item in items]

    def _object(self, node: Tree, scope: Scope) -> object:
        out: dict[str, object] = {}
        unknown_key: Unknown | None = None
        for element in subtrees(node):
            key_node, value_node = subtrees(element)
            key, value = self._object_key(key_node, scope), self.eval(value_node, scope)
            if isinstance(key, Unknown):
                unknown_key = unknown_key or key
            else:
                out[key] = value
        return out if unknown_key is None else self.unknown(unknown_key, node)

    def _object_key(self, node: Tree, scope: Scope) -> str | Unknown:
        inner = node.children[0]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return name_of(inner)
        kids = inner.children if isinstance(inner, Tree) and inner.data == "expr_term" else ()
        if len(kids) == 1 and isinstance(kids[0], Tree) and kids[0].data == "identifier":
            return name_of(kids[0])  # a bare name is the key itself, not a reference
        key = self.eval(inner, scope)
        if isinstance(key, Unknown):
            return key
        return to_text(key, f"the object key {snippet(self.src(inner))}")

    def _attribute(self, node: Tree, scope: Scope) -> object:
        return self.eval(subtrees(node)[-1], scope)

    # operators

    def _conditional(self, node: Tree, scope: Scope) -> object:
        condition_node, yes, no = subtrees(node)
        condition = self.eval(condition_node, scope)
        if not isinstance(condition, Unknown):
            chosen = to_bool(condition, f"the condition {snippet(self.src(condition_node))}")
            return self.eval(yes if chosen else no, scope)
        budget = self.run.budget
        try:  # both branches equal and known: the condition does not matter
            first, second = self.eval(yes, scope), self.eval(no, scope)
            if equal(first, second, budget) is True and first_unknown(first, budget) is None:
                return first
        except EvalError:
            pass  # with the condition known, Terraform would not evaluate the other branch
        reason = f"depends on {snippet(self.src(condition_node))}: {condition.reason}"
        return Unknown(reason, f"${{{self.src(node)}}}")

    def _binary_op(self, node: Tree, scope: Scope) -> object:
        chain: list[tuple[str, Tree, Tree]] = []
        current: Tree | Token = node
        while isinstance(current, Tree) and current.data == "binary_op":  # a + b + c ... without recursion
            left, term = subtrees(current)[:2]
            operator, right = subtrees(term)[0], subtrees(term)[-1]
            chain.append((str(operator.children[0]), right, current))
            current = left
        value = self.eval(current, scope)
        for operator, right, operation in reversed(chain):
            value = self._apply(operator, value, self.eval(right, scope), operation)
        return value

    def _apply(self, operator: str, left: object, right: object, node: Tree) -> object:
        budget = self.run.budget
        if operator in ("==", "!="):
            same = equal(left, right, budget)
            return self.unknown(same, node) if isinstance(same, Unknown) else same == (operator == "==")
        if operator in ("&&", "||"):
            decisive = operator == "||"
            what = f"an operand of {operator}"
            known = [to_bool(v, what) for v in (left, right) if not isinstance(v, Unknown)]
            if decisive in known:
                return decisive  # false && unknown is false whatever the unknown is
            cause = left if isinstance(left, Unknown) else right
            return self.unknown(cause, node) if isinstance(cause, Unknown) else not decisive
        for side in (left, right):
            if isinstance(side, Unknown):
                return self.unknown(side, node)
        a = to_number(left, f"the left operand of {operator}")
        b = to_number(right, f"the right operand of {operator}")
        try:
            return arithmetic(operator, a, b)
        except OverflowError:
            raise Stop(TOO_BIG_NUMBER) from None

    def _unary_op(self, node: Tree, scope: Scope) -> object:
        operator, operand_node = node.children[0], subtrees(node)[0]
        operand = self.eval(operand_node, scope)
        if isinstance(operand, Unknown):
            return self.unknown(operand, node)
        if str(operator) == "!":
            return not to_bool(operand, "the operand of !")
        return number(-to_number(operand, "the operand of -"))

    # references

    def _identifier(self, node: Tree, scope: Scope) -> object:
        return self._reference(name_of(node), (), scope, node)

    def _chain(self, node: Tree, scope: Scope) -> object:
        """`a.b[0].c`: the steps after a root name (or after any expression)."""
        step_nodes: list[Tree] = []
        base: Tree | Token = node
        while True:
            while isinstance(base, Tree) and base.data == "expr_term" and len(base.children) == 1:
                base = base.children[0]
            if not (isinstance(base, Tree) and base.data in ("get_attr_expr_term", "index_expr_term")):
                break
            base, step = subtrees(base)[:2]
            step_nodes.append(step)
        steps = tuple(self._step(s, scope) for s in reversed(step_nodes))
        if isinstance(base, Tree) and base.data == "identifier":
            return self._reference(name_of(base), steps, scope, node)
        return self.named(traverse(self.eval(base, scope), steps, self.src(base)), node)

    def _step(self, node: Tree, scope: Scope) -> object:
        if node.data == "get_attr":
            return name_of(subtrees(node)[0])
        if node.data == "short_index":
            return number_literal(str(node.children[-1]))
        key = self.eval(subtrees(node)[0], scope)
        if key is None or isinstance(key, list | tuple | Mapping):
            what = f"the index {snippet(self.src(node))} is {a_type(key)}"
            raise EvalError(f"{what}, not a key or a number")
        return key

    def _reference(self, root: str, steps: tuple[object, ...], scope: Scope, node: Tree | Token) -> object:
        value, used = scope.resolve(root, steps)
        used = max(0, min(int(used), len(steps)))
        return self.named(traverse(value, steps[used:], path_text(root, steps[:used])), node)

    def _splat(self, node: Tree, scope: Scope) -> object:
        """`list[*].a[0]` applies `.a[0]` to each element; the older `list.*.a[0]` only `.a`, then `[0]` to
        the result. A splat of a single value wraps it, of null gives []."""
        base_node, splat = subtrees(node)
        operations = subtrees(splat)
        steps = tuple(self._step(op, scope) for op in operations)
        each = len(steps)
        if splat.data == "attr_splat":
            each = next((i for i, op in enumerate(operations) if op.data != "get_attr"), len(steps))
        base = self.eval(base_node, scope)
        if isinstance(base, Unknown):
            return self.unknown(base, node)
        items = [] if base is None else list(base) if isinstance(base, list | tuple) else [base]
        self.run.budget.spend(len(items))
        where = self.src(base_node)
        result = [traverse(item, steps[:each], f"{where}[{i}]") for i, item in enumerate(items)]
        after = f"{where}[*]{''.join(map(step_text, steps[:each]))}"
        return self.named(traverse(result, steps[each:], after), node)

    # for expressions

    def _for(self, node: Tree, scope: Scope) -> object:
        parts = subtrees(node)
        intro, condition = parts[0], (subtrees(parts[-1])[0] if parts[-1].data == "for_cond" else None)
        body = parts[1 : len(parts) - (condition is not None)]
        names = tuple(name_of(t) for t in subtrees(intro) if t.data == "identifier")
        collection_node = subtrees(intro)[-1]
        collection = self.eval(collection_node, scope)
        if isinstance(collection, Unknown):
            return self.unknown(collection, node)
        pairs = iteration(collection, self.src(collection_node))
        self.run.budget.spend(len(pairs))
        made: list[tuple[object, object]] = []  # (key, value) for an object, (None, value) for a tuple
        for key, value in pairs:
            inner = bind(scope, names, key, value)
            if condition is not None:
                keep = self.eval(condition, inner)
                if isinstance(keep, Unknown):
                    reason = f"depends on {snippet(self.src(condition))}: {keep.reason}"
                    return Unknown(reason, f"${{{self.src(node)}}}")
                if not to_bool(keep, "the for expression's if condition"):
                    continue
            made.append((self.eval(body[0], inner) if len(body) == 2 else None, self.eval(body[-1], inner)))
        if node.data == "for_tuple_expr":
            return [value for _, value in made]
        return self._for_object(made, has_token(node, "ELLIPSIS"), node)

    def _for_object(self, made: list[tuple[object, object]], group: bool, node: Tree) -> object:
        """`{for ... : k => v}` (a key made twice is an error), or `{for ... : k => v...}` (grouped)."""
        mapping: dict[str, object] = {}
        for key, value in made:
            if isinstance(key, Unknown):
                return self.unknown(key, node)
            key = to_text(key, "a key the for expression makes")
            if group:
                mapping.setdefault(key, []).append(value)  # type: ignore[attr-defined]
            elif key in mapping:
                raise EvalError(f'the for expression makes the key "{snippet(key)}" twice (group with ...)')
            else:
                mapping[key] = value
        return mapping

    # functions

    def _function_call(self, node: Tree, scope: Scope) -> object:
        name = "::".join(name_of(t) for t in node.children if isinstance(t, Tree) and t.data == "identifier")
        arguments = next((t for t in node.children if isinstance(t, Tree) and t.data == "arguments"), None)
        arg_nodes = subtrees(arguments) if arguments is not None else []
        if self.run.constants_only:
            return Unknown(f"{name}() is a function call, but {CONSTANTS_ONLY}", f"${{{self.src(node)}}}")
        if name in ("try", "can"):
            return self._try(name, arg_nodes, scope, node)
        if name not in functions.FUNCTIONS:
            return Unknown(f"the function {name} is not evaluated by pipelint", f"${{{self.src(node)}}}")
        args = [self.eval(a, scope) for a in arg_nodes]
        sources = [self.src(a) for a in arg_nodes]
        if arguments is not None and has_token(arguments, "ELLIPSIS") and args:
            last, last_source = args.pop(), sources.pop()
            if isinstance(last, Unknown):
                return self.unknown(last, node)
            expanded = as_list(last, f"{snippet(last_source)} (expanded with ...)")
            self.run.budget.spend(len(expanded))
            args.extend(expanded)
            sources.extend(f"{last_source}[{i}]" for i in range(len(expanded)))
        return functions.call(name, args, Call(name, self.src(node), tuple(sources), self.run.budget))

    def _try(self, name: str, arg_nodes: list[Tree], scope: Scope, node: Tree) -> object:
        """try: the first argument Terraform can evaluate; can: whether it can. They catch only what
        Terraform would reject; an unknown result leaves them undecided, as in Terraform."""
        if not arg_nodes or (name == "can" and len(arg_nodes) != 1):
            raise EvalError(f"{name}() takes {'one argument' if name == 'can' else 'at least one argument'}")
        failure = ""
        for argument in arg_nodes:
            try:
                value = self.eval(argument, scope)
            except EvalError as error:
                failure = str(error)
                continue
            found = first_unknown(value, self.run.budget)
            if found is not None:
                return self.unknown(found, node)
            return True if name == "can" else value
        if name == "can":
            return False
        raise EvalError(f"no argument of try() can be evaluated; the last: {failure}")


_E = Evaluator
# each is called (evaluator, node, scope): templates.py's take the evaluator where a method takes self
_HANDLERS = {
    "int_lit": _E._number, "float_lit": _E._number, "literal_value": _E._literal_value,
    "identifier": _E._identifier, "tuple": _E._tuple, "object": _E._object, "conditional": _E._conditional,
    "binary_op": _E._binary_op, "unary_op": _E._unary_op, "get_attr_expr_term": _E._chain,
    "index_expr_term": _E._chain, "attr_splat_expr_term": _E._splat, "full_splat_expr_term": _E._splat,
    "for_tuple_expr": _E._for, "for_object_expr": _E._for, "function_call": _E._function_call,
    "attribute": _E._attribute, "string": templates.string, "template_string": templates.template_string,
    "heredoc_template": templates.heredoc, "heredoc_template_trim": templates.heredoc,
}  # fmt: skip
