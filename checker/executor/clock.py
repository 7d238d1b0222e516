"""The simulated clock: deployments bake, approvals wait and windows open in simulated minutes, instantly."""

from __future__ import annotations

import datetime


class Clock:
    def __init__(self, start: datetime.datetime) -> None:
        self.now = start

    def advance(self, minutes: float) -> None:
        self.now += datetime.timedelta(minutes=minutes)

    def at(self, moment: datetime.datetime) -> None:
        self.now = max(self.now, moment)

    def stamp(self) -> str:
        return iso(self.now)


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
