"""Where customer messages come from: the scripted-customer simulator (a shared database later)."""

from workbench.channels.scenarios import Scenario, load_scenarios
from workbench.channels.simulator import (
    ActiveVisitor,
    CardClick,
    CustomerArrived,
    CustomerLeft,
    CustomerSaid,
    SimEvent,
    Simulator,
)

__all__ = [
    "ActiveVisitor",
    "CardClick",
    "CustomerArrived",
    "CustomerLeft",
    "CustomerSaid",
    "Scenario",
    "SimEvent",
    "Simulator",
    "load_scenarios",
]
