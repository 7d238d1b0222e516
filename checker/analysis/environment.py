"""The environment tier of a deploy, with the evidence that decided it.

Evidence, strongest first: the policy's account map, the policy's name patterns, then built-in patterns on the
names of what is deployed (stack, deployment group, service, environment, parameter values such as
`Environment=prod`), the action's name, and the stage's name. Names are split into words (camelCase, `-`, `_`,
digits) and matched whole; `pre-prod`, `preproduction` and `nonprod` never read as prod. When signals disagree,
the policy's word is final; otherwise the strengths of the signals that agree add up, a tie goes to the more
critical tier, the confidence drops to medium and the evidence says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from checker.model.findings import Confidence


class Tier(Enum):
    PROD = "prod"
    STAGING = "staging"
    TEST = "test"
    DEV = "dev"
    UNKNOWN = "unknown"


WORDS = {
    "prod": Tier.PROD, "production": Tier.PROD, "prd": Tier.PROD, "live": Tier.PROD,
    "staging": Tier.STAGING, "stage": Tier.STAGING, "stg": Tier.STAGING, "preprod": Tier.STAGING,
    "preproduction": Tier.STAGING, "uat": Tier.STAGING, "gamma": Tier.STAGING,
    "test": Tier.TEST, "testing": Tier.TEST, "qa": Tier.TEST, "beta": Tier.TEST, "integration": Tier.TEST,
    "acceptance": Tier.TEST, "nonprod": Tier.TEST,
    "dev": Tier.DEV, "development": Tier.DEV, "sandbox": Tier.DEV,
}  # fmt: skip
# Joined before splitting, so that "pre-prod" is one word and never "prod".
_COMPOUNDS = re.compile(r"(?i)\b(pre|non)[-_ ]?(prod(?:uction)?)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^A-Za-z]+")
# In stage names "Stage" means a pipeline stage (DeployStage), not the staging environment.
_NOT_IN_STAGE_NAMES = {"stage"}


def words(name: str) -> list[str]:
    name = _COMPOUNDS.sub(lambda m: (m.group(1) + m.group(2)).lower(), _CAMEL.sub(" ", name))
    return [w.lower() for w in _SPLIT.split(name) if w]


def tier_of_name(name: str, where: str = "") -> tuple[Tier, str] | None:
    """The tier a name's words say, with the word; None when no word names an environment."""
    for word in words(name):
        if where == "stage name" and word in _NOT_IN_STAGE_NAMES:
            continue
        tier = WORDS.get(word)
        if tier is not None:
            return tier, word
    return None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One signal: where it was seen, what it says, and the tier it points to."""

    where: str  # "policy account map", "deployment group name", "stage name", ...
    value: str
    tier: Tier
    strength: int  # higher is stronger

    def __str__(self) -> str:
        return f"{self.where} '{self.value}' says {self.tier.value}"


@dataclass(frozen=True, slots=True)
class Environment:
    tier: Tier
    confidence: Confidence
    evidence: tuple[Evidence, ...] = ()
    conflict: bool = False

    def explain(self) -> str:
        if not self.evidence:
            return "no name, account or parameter says which environment this is"
        deciding = self.evidence[0]
        text = str(deciding)
        others = [e for e in self.evidence[1:] if e.tier is not deciding.tier]
        if others:
            text += "; but " + ", ".join(str(e) for e in others)
        return text


@dataclass(frozen=True, slots=True)
class EnvironmentMap:
    """The policy's say (filled by policy packs): accounts and name patterns per tier, first match wins."""

    accounts: tuple[tuple[str, Tier], ...] = ()
    patterns: tuple[tuple[re.Pattern[str], Tier], ...] = field(default=())
    # CI environments whose deployments wait for a reviewer (GitHub required reviewers, GitLab deployment
    # approvals), as names or wildcards; None: the policy does not say, so such gates are unknown.
    protected: tuple[str, ...] | None = None


STRENGTH = {"policy account map": 100, "policy name pattern": 90, "target": 50, "action name": 30, "stage name": 20}


def classify(signals: list[tuple[str, str, int]], account: str | None, policy: EnvironmentMap) -> Environment:
    """Decide a tier from (where, name, strength) signals and the account, strongest evidence first."""
    evidence: list[Evidence] = []
    if account is not None:
        for known, tier in policy.accounts:
            if known == account:
                evidence.append(Evidence("policy account map", account, tier, STRENGTH["policy account map"]))
                break
    for where, name, strength in signals:
        for pattern, tier in policy.patterns:
            if pattern.search(name):
                evidence.append(Evidence(f"policy name pattern on {where}", name, tier, STRENGTH["policy name pattern"]))
                break
        else:
            found = tier_of_name(name, where)
            if found is not None:
                evidence.append(Evidence(where, name, found[0], strength))
    if not evidence:
        return Environment(Tier.UNKNOWN, Confidence.LOW)
    # Names that agree add up: a stage and an action named for prod outweigh one stack name that says test.
    # A tie goes to the more critical tier: for a safety check, wrongly assuming prod is the cheaper mistake.
    score: dict[Tier, int] = {}
    for item in evidence:
        score[item.tier] = score.get(item.tier, 0) + item.strength
    strongest = max(e.strength for e in evidence)
    if strongest >= STRENGTH["policy name pattern"]:  # the policy's word is final
        winner = max(evidence, key=lambda e: e.strength).tier
    else:
        winner = max(score, key=lambda t: (score[t], -_CRITICAL.index(t)))
    evidence.sort(key=lambda e: (e.tier is not winner, -e.strength))
    conflict = len(score) > 1
    confidence = Confidence.MEDIUM if conflict else Confidence.HIGH
    return Environment(winner, confidence, tuple(evidence), conflict)


_CRITICAL = [Tier.PROD, Tier.STAGING, Tier.TEST, Tier.DEV, Tier.UNKNOWN]
