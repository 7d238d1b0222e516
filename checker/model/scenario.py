"""Scenarios: the parameter values under which a conditional definition takes one shape.

A CloudFormation template can describe several pipelines at once: a stage wrapped in `Fn::If`, a resource with a
`Condition`, a deployment preference chosen by the environment parameter. The loader evaluates each resource once
per combination of the parameter values its conditions depend on, merges the combinations that give the same
result, and tags each result with its Scenario, so a rule can name the one that fails.
"""

from __future__ import annotations

from checker.model.record import record

ANY_OTHER = "<any other value>"

Assignment = tuple[tuple[str, str], ...]


@record()
class Scenario:
    """The parameter assignments (alternatives) under which a definition holds; none means always."""

    alternatives: tuple[Assignment, ...] = ()
    undecided: tuple[str, ...] = ()  # conditions left open (too many combinations); values under them are Unknown

    @property
    def is_unconditional(self) -> bool:
        return all(not alternative for alternative in self.alternatives) and not self.undecided

    def values_of(self, parameter: str) -> frozenset[str] | None:
        """The values a parameter takes in this scenario, or None when the scenario does not fix it."""
        found: set[str] = set()
        for alternative in self.alternatives:
            value = dict(alternative).get(parameter)
            if value is None:
                return None
            found.add(value)
        return frozenset(found) if found else None

    def describe(self) -> str:
        if self.is_unconditional:
            return "always"
        parts = []
        names = sorted({name for alternative in self.alternatives for name, _ in alternative})
        if len(names) == 1:
            values = [dict(a)[names[0]] for a in self.alternatives]
            parts.append(f"{names[0]}={values[0]}" if len(values) == 1 else f"{names[0]} in ({', '.join(values)})")
        elif self.alternatives:
            parts.append(" or ".join(", ".join(f"{k}={v}" for k, v in a) for a in self.alternatives))
        if self.undecided:
            parts.append("undecided: " + ", ".join(self.undecided))
        return "; ".join(parts)


ALWAYS = Scenario()
