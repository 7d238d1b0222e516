"""A CI job, as GitHub Actions and GitLab CI both describe it, turned into a stage of the model.

A job is a stage that waits for the jobs it needs. Its actions, in the order they run:

- the gates before it starts: `when: manual` (GitLab), and its `environment:`, which waits for reviewers only
  when the repository says so (the analysis asks the policy);
- for each step: a deploy (a deploy command or action: `sam deploy`, `aws ecs update-service`,
  amazon-ecs-deploy-task-definition, ...), an approval step, or the job's other work, gathered into one build
  or test action per run of steps between deploys;
- a job that runs another workflow or pipeline (GitHub `uses:`, GitLab `trigger:`) is one action whose kind is
  unknown unless its environment says it deploys.

The account of a deploy is that of the role the job assumed before it (configure-aws-credentials,
`aws sts assume-role`, an assume-role script); the job's environment name is evidence of its tier.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field, replace

from checker.model import Action, ActionType, Category, FrozenDict, Owner, SourceRef, Stage, Unknown, ci
from checker.model.commands import DeployCommand, commands, parse_deploy
from checker.model.source import Path

TEST_WORDS = re.compile(r"(?i)(?<![a-z])(test|tests|testing|e2e|smoke|integration|pytest|jest|verify|validate)(?![a-z])")
BUILD_WORDS = re.compile(r"\b(sam\s+build|cdk\s+synth|npm\s+run\s+build|yarn\s+build|docker\s+build|mvn\s+\S*\s*package|"
                         r"gradle\S*\s+build|go\s+build|dotnet\s+publish|make\b|sam\s+package|pip\s+wheel)")  # fmt: skip
DEPLOY_NAME = re.compile(r"(?i)(?<![a-z])(deploy|deployment|release|rollout|promote)")
MAX_LEGS = 32  # matrix combinations read per job (GitHub `strategy.matrix`, GitLab `parallel: matrix`)
MAX_SCAN = 10_000  # matrix combinations tried against `exclude` at the most
PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\$\([^)]*\)")
_WHY = {"secrets": "a secret of the repository, not in the file", "vars": "a variable set in the repository's settings",
        "inputs": "an input given when the workflow runs", "github": "a value of the run", "matrix": "a matrix value",
        "needs": "an output of another job", "steps": "an output of an earlier step", "env": "a variable not set in the file",
        "runner": "a value of the runner", "$(": "a command's output"}  # fmt: skip


def role(text: object) -> str | Unknown | None:
    """A role to assume: an ARN, or a name whose account the file does not give."""
    found = value(text)
    if isinstance(found, str) and not found.startswith("arn:"):
        return Unknown(f"the role '{found}' is given by name, not ARN, so its account is not in the file", found)
    return found


def value(text: object) -> str | Unknown | None:
    """A value from a CI file: a string, or an Unknown when it holds placeholders the file does not fill."""
    if text is None or isinstance(text, Unknown):
        return text  # type: ignore[return-value]
    if isinstance(text, bool):
        return "true" if text else "false"
    text = str(text)
    found = PLACEHOLDER.search(text)
    if found is None:
        return text
    inner = found.group()
    root = "$(" if inner.startswith("$(") else inner[2:-1].split(".", 1)[0].strip()
    why = _WHY.get(root, "a variable not set in the file")
    return Unknown(f"{inner} is {why}", text)


@dataclass(frozen=True, slots=True)
class Step:
    path: Path
    name: str | None = None  # its `name:`, or None
    script: str | None = None  # the shell text, with the variables the file sets filled in
    uses: str | None = None  # a GitHub action: owner/repo@ref
    inputs: FrozenDict = FrozenDict()  # `with:`
    continues_on_error: bool = False  # `continue-on-error: true`: the job goes on when the step fails


@dataclass(slots=True)
class Job:
    id: str
    path: Path
    leg_of: str | None = None  # the job a matrix combination belongs to: a need naming it waits for every leg
    needs: tuple[str, ...] = ()
    environment: str | Unknown | None = None
    environment_path: Path | None = None
    tier: str | None = None  # GitLab's `environment: {deployment_tier: production}`
    manual: Path | None = None  # where `when: manual` is written
    steps: list[Step] = field(default_factory=list)
    role: str | Unknown | None = None  # credentials the job starts with (variables such as AWS_ROLE_ARN)
    region: str | Unknown | None = None
    calls: str | None = None  # another workflow or pipeline the job runs
    calls_path: Path | None = None
    calls_note: str | None = None  # why pipelint did not read what it runs
    file: str | None = None  # the file the job is written in, when not the one read (a reusable workflow)
    prefix: str = ""  # what its id starts with in a called workflow: `caller / `
    via: tuple[SourceRef, ...] = ()  # the jobs that run its workflow, outermost first
    environment_expression: str | None = None  # `environment: ${{ ... }}`, decided for each run
    proceeds_on_failure: bool = False  # runs whatever happened to the jobs it needs (`if: always()`)
    continues_on_error: bool = False  # its failure (a rejected approval) does not fail it (`continue-on-error`)
    inputs: tuple[str, ...] = ()  # artifacts it receives from earlier jobs
    outputs: tuple[str, ...] = ()  # artifacts it keeps for later jobs


@dataclass(slots=True)
class _Context:
    role: str | Unknown | None
    region: str | Unknown | None
    inputs: list[str]
    built: bool = False


def _type(category: Category | Unknown, provider: str, version: str = "1") -> ActionType:
    return ActionType(category=category, owner=Owner.THIRD_PARTY, provider=provider, version=version)


class StageBuilder:
    """Builds the stage of one job; `gates` names the provider of an environment gate (GitHub or GitLab)."""

    def __init__(self, file: str, environment_gate: str) -> None:
        self.file = file
        self.environment_gate = environment_gate

    def ref(self, path: Path) -> SourceRef:
        return SourceRef(self.file, path)

    def stage(self, job: Job, needs: tuple[str, ...]) -> Stage:
        actions: list[Action] = []
        if job.manual is not None:
            actions.append(Action(name="when: manual", type=_type(Category.APPROVAL, ci.GITLAB_MANUAL_JOB),
                                  source=self.ref(job.manual)))  # fmt: skip
        if job.environment is not None:
            actions.append(Action(name=f"environment {job.environment}", type=_type(Category.APPROVAL, self.environment_gate),
                                  configuration=FrozenDict({"Environment": job.environment}), environment=job.environment,
                                  source=self.ref(job.environment_path or job.path)))  # fmt: skip
        if job.calls is not None:
            actions.append(self._call(job))
        else:
            actions.extend(self._steps(job))
        if job.tier is not None:  # the tier the job declares is evidence for its deploys
            actions = [_with_tier(a, job.tier) if a.category is Category.DEPLOY else a for a in actions]
        numbered = tuple(_renumber(action, index + 1) for index, action in enumerate(actions))
        return Stage(name=job.id, actions=numbered, needs=needs, proceeds_on_failure=job.proceeds_on_failure,
                     via=job.via, source=self.ref(job.path))  # fmt: skip

    def _call(self, job: Job) -> Action:
        provider = ci.REUSABLE_WORKFLOW if self.environment_gate == ci.GITHUB_ENVIRONMENT else ci.DOWNSTREAM_PIPELINE
        what = f"the workflow {job.calls}" if provider == ci.REUSABLE_WORKFLOW else f"a pipeline of project {job.calls}"
        category: Category | Unknown = Category.DEPLOY if job.environment is not None else Unknown(
            f"the job runs {what}, {job.calls_note or 'which pipelint does not read here'}; it may deploy")
        return Action(name=job.id, type=_type(category, provider), environment=job.environment, role_arn=job.role,
                      configuration=FrozenDict({"Command": what}), input_artifacts=job.inputs,
                      source=self.ref(job.calls_path or job.path))  # fmt: skip

    def _steps(self, job: Job) -> list[Action]:
        ctx = _Context(job.role, job.region, list(job.inputs))
        actions: list[Action] = []
        work: list[Step] = []
        deployed = False
        # A job with an environment deploys; when no command says how, the steps named for it are the deploy.
        named = job.environment is not None and not any(_deploys(step) for step in job.steps)
        for step in job.steps:
            if _configures_credentials(step):
                ctx.role, ctx.region = _credentials(step, ctx)
                continue
            if step.uses and "download-artifact" in step.uses:
                name = step.inputs.get("name")
                ctx.inputs.append(str(name) if name else "all artifacts of the run")
                continue
            if step.script:
                assumed = [r for words in commands(step.script) if (r := assumed_role(words)) is not None]
                if assumed:
                    ctx.role = role(assumed[-1])
                if all(assumed_role(w) is not None or _assignment(w) for w in commands(step.script)):
                    continue  # the step only signs in
            approval = _approval(step)
            deploys = _deploys(step)
            if not deploys and named and step.name and DEPLOY_NAME.search(step.name):
                deploys = [DeployCommand(step.name, ci.SHELL_DEPLOY, {"Command": _label(step)})]
            if approval is None and not deploys:
                work.append(step)
                continue
            actions.extend(self._work(job, work, ctx, after_deploy=deployed))
            work = []
            if approval is not None:
                if job.continues_on_error or step.continues_on_error:
                    approval = FrozenDict({**approval, "ContinueOnError": "true"})
                actions.append(Action(name=step.name or str(step.uses), type=_type(Category.APPROVAL, ci.GITHUB_MANUAL_APPROVAL),
                                      configuration=approval, source=self.ref(step.path)))  # fmt: skip
            for command in deploys:
                actions.append(self._deploy(job, step, command, ctx))
                deployed = True
        actions.extend(self._work(job, work, ctx, after_deploy=deployed, last=True))
        if job.environment is not None and not deployed:
            actions = [self._as_deploy(job, a) if a.type.provider == ci.CI_JOB else a for a in actions]
        return actions

    def _work(self, job: Job, steps: list[Step], ctx: _Context, after_deploy: bool, last: bool = False) -> list[Action]:
        """The job's other steps between deploys, as one build or test action (none for setup steps alone)."""
        scripts = tuple(s.script for s in steps if s.script)
        outputs = tuple(str(s.inputs.get("name") or "artifact") for s in steps if s.uses and "upload-artifact" in s.uses)
        if last and job.outputs:
            outputs += job.outputs
        local = [s for s in steps if s.uses and s.uses.startswith("./")]  # an action of the repository: it may deploy
        if not steps or not scripts and not outputs and not local:  # (a job's artifacts alone: no step to point at)
            return []
        texts = " ".join([s.name or "" for s in steps] + list(scripts) + [s.uses or "" for s in steps])
        builds = any(BUILD_WORDS.search(s) for s in scripts)
        tests = TEST_WORDS.search(texts) is not None and (after_deploy or not builds)
        if builds:
            ctx.built = True
            outputs += (f"{job.id} build",)
        first = next((s for s in steps if s.script or s.name), steps[0])
        more = len(steps) - 1
        name = _label(first) + (f" (+{more} step{'s' if more > 1 else ''})" if more else "")
        # names the file gives (and local actions' paths), not command lines
        named_steps = "; ".join(s.name or str(s.uses) for s in steps if s.name or s in local)
        return [Action(name=name, type=_type(Category.TEST if tests else Category.BUILD, ci.CI_JOB), commands=scripts,
                       configuration=FrozenDict({"StepNames": named_steps} if named_steps else {}),
                       output_artifacts=tuple(dict.fromkeys(outputs)), input_artifacts=tuple(ctx.inputs),
                       role_arn=ctx.role if any(_aws(s) for s in scripts) else None, region=ctx.region,
                       source=self.ref(first.path))]  # fmt: skip

    def _deploy(self, job: Job, step: Step, command: DeployCommand, ctx: _Context) -> Action:
        assumed = ctx.role if ctx.role is not None else role(command.role_arn)
        if assumed is None:
            assumed = Unknown("the job configures no AWS credentials in the file (no configure-aws-credentials step, "
                           "assume-role command or AWS_ROLE_ARN variable)")  # fmt: skip
        inputs = list(ctx.inputs) + ([f"{job.id} build"] if ctx.built else [])
        return Action(
            name=step.name or command.command, type=_type(Category.DEPLOY, command.provider),
            configuration=FrozenDict({k: value(v) for k, v in command.configuration.items()}),
            role_arn=assumed, region=value(command.region) or ctx.region, environment=job.environment,
            input_artifacts=tuple(dict.fromkeys(inputs)), commands=(step.script,) if step.script else (),
            source=self.ref(step.path),
        )  # fmt: skip

    def _as_deploy(self, job: Job, action: Action) -> Action:
        """A job with an environment and no deploy command: its work is the deploy (a script the file calls)."""
        return replace(action, type=_type(Category.DEPLOY, ci.SHELL_DEPLOY), environment=job.environment,
                       configuration=FrozenDict({"Command": f"the steps of job {job.id}"}),
                       role_arn=action.role_arn or job.role or Unknown("the job configures no AWS credentials in the file"))  # fmt: skip


def combinations(axes: dict[str, list], include: list[dict] = (), exclude: list[dict] = ()) -> tuple[list[dict], int | str]:  # type: ignore[assignment]
    """A matrix's combinations, at most MAX_LEGS of them, and how many there are ("at most N" when excludes would
    have to be tried on more than MAX_SCAN). Never all built: a hostile matrix may have billions. GitHub's
    rules: `exclude` drops the combinations that match an entry; an `include` entry extends the combinations
    whose matrix values it does not change, or else is one more."""
    size = math.prod(len(values) for values in axes.values()) if axes else 0
    rules = [entry for entry in exclude if isinstance(entry, dict)]
    combos: list[dict] = []
    excluded = scanned = 0
    for values in itertools.islice(itertools.product(*axes.values()), MAX_SCAN) if axes else ():
        scanned += 1
        combo = dict(zip(axes, values))
        if any(all(combo.get(k) == v for k, v in entry.items()) for entry in rules):
            excluded += 1
        elif len(combos) < MAX_LEGS:
            combos.append(combo)
        elif not rules:
            break  # without excludes, the rest only counts
    total: int | str = size - excluded if scanned == size or not rules else f"at most {size - excluded}"
    originals = [dict(c) for c in combos]
    for entry in (e for e in include if isinstance(e, dict)):
        fits = [i for i, c in enumerate(originals) if all(c.get(k, v) == v for k, v in entry.items() if k in axes)]
        for index in fits:
            combos[index].update({k: v for k, v in entry.items() if k not in axes or originals[index].get(k) == v})
        if not fits:
            combos.append(dict(entry))
            total = total + 1 if isinstance(total, int) else total
    return combos[:MAX_LEGS], total


def _label(step: Step) -> str:
    """How a step reads in a message: its name, the action it uses, or its first command."""
    if step.name:
        return step.name
    if step.uses:
        return step.uses
    words = next(iter(commands(step.script or "")), [])
    text = " ".join(words) or (step.script or "").strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _with_tier(action: Action, tier: str) -> Action:
    return replace(action, configuration=FrozenDict({**action.configuration, "DeploymentTier": tier}))


def _renumber(action: Action, order: int) -> Action:
    return replace(action, run_order=order)


def _aws(script: str) -> bool:
    return bool(re.search(r"\b(aws|sam|cdk|terraform)\s", script))


def assumed_role(words: list[str]) -> str | None:
    """The role a command signs in with: an assume-role script, `aws sts assume-role`, `export AWS_ROLE_ARN=`."""
    if words and words[0] in (".", "source"):
        words = words[1:]
    if not words:
        return None
    if words[0] == "export":
        words = words[1:]
    base = words[0].rsplit("/", 1)[-1]
    if "assume-role" in base and len(words) > 1 and not words[1].startswith("-"):
        return words[1]
    if words[:3] in (["aws", "sts", "assume-role"], ["aws", "sts", "assume-role-with-web-identity"]):
        for index, word in enumerate(words):
            if word == "--role-arn" and index + 1 < len(words):
                return words[index + 1]
            if word.startswith("--role-arn="):
                return word.split("=", 1)[1]
    for word in words:
        name, sep, found = word.partition("=")
        if sep and name in ("AWS_ROLE_ARN", "ROLE_ARN", "AWS_ROLE_TO_ASSUME") and found:
            return found
    return None


def _assignment(words: list[str]) -> bool:
    """`VAR=value` or `export VAR=value`: sets a variable, runs nothing."""
    rest = words[1:] if words and words[0] == "export" else words
    return bool(rest) and all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", w) for w in rest)


def _configures_credentials(step: Step) -> bool:
    return bool(step.uses and "configure-aws-credentials" in step.uses)


def _credentials(step: Step, ctx: _Context) -> tuple[str | Unknown | None, str | Unknown | None]:
    assumed = step.inputs.get("role-to-assume")
    region = value(step.inputs.get("aws-region")) or ctx.region
    if assumed:
        return role(assumed), region
    if step.inputs.get("aws-access-key-id"):
        return Unknown("the job signs in with access keys from the repository's secrets; their account is not in "
                       "the file"), region  # fmt: skip
    return ctx.role, region


def _approval(step: Step) -> FrozenDict | None:
    uses = (step.uses or "").lower()
    if "manual-approval" in uses or "approval-action" in uses:
        return FrozenDict({k: value(v) for k, v in step.inputs.items() if v is not None})
    return None


def _deploys(step: Step) -> list[DeployCommand]:
    if step.uses:
        found = action_deploy(step.uses, step.inputs)
        return [found] if found is not None else []
    if not step.script:
        return []
    return [d for words in commands(step.script) if (d := parse_deploy(words)) is not None]


def action_deploy(uses: str, inputs: FrozenDict) -> DeployCommand | None:
    """The GitHub actions that deploy, in the words of the CodePipeline provider that does the same."""
    name = uses.split("@", 1)[0].lower()
    get = lambda key: str(inputs[key]) if inputs.get(key) is not None else None  # noqa: E731
    if name == "aws-actions/amazon-ecs-deploy-task-definition":
        if get("codedeploy-appspec") or get("codedeploy-deployment-group"):
            config = {"ApplicationName": get("codedeploy-application"), "DeploymentGroupName": get("codedeploy-deployment-group"),
                      "ClusterName": get("cluster"), "ServiceName": get("service")}  # fmt: skip
            return DeployCommand(uses, "CodeDeployToECS", {k: v for k, v in config.items() if v})
        return DeployCommand(uses, "ECS", {k: v for k, v in {"ClusterName": get("cluster"), "ServiceName": get("service")}.items() if v})
    if name == "aws-actions/aws-cloudformation-github-deploy":
        config = {"StackName": get("name"), "TemplatePath": get("template")}
        if (get("disable-rollback") or "").lower() in ("1", "true"):
            config["DisableRollback"] = "true"
        return DeployCommand(uses, "CloudFormation", {k: v for k, v in config.items() if v}, role_arn=get("role-arn"))
    if name == "aws-actions/aws-lambda-deploy":
        return DeployCommand(uses, ci.SHELL_DEPLOY, {"Command": "aws lambda update-function-code",
                                                     **({"FunctionName": get("function-name")} if get("function-name") else {})})  # fmt: skip
    if name == "einaregilsson/beanstalk-deploy":
        return DeployCommand(uses, "ElasticBeanstalk", {k: v for k, v in {"ApplicationName": get("application_name"),
                                                                         "EnvironmentName": get("environment_name")}.items() if v})  # fmt: skip
    return None
