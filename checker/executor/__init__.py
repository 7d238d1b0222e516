"""The executor: runs a pipeline end to end against moto and records what happened (an ExecutionTrace).

Needs the `executor` extra (moto). Nothing here touches an AWS client at import time.
"""

from checker.executor.run import CannotRun, blockers, execute
from checker.executor.scenario import Scenario, ScenarioError, load_scenario
from checker.executor.trace import Check, ExecutionTrace, Status

__all__ = ["CannotRun", "Check", "ExecutionTrace", "Scenario", "ScenarioError", "Status", "blockers", "execute",
           "load_scenario"]
