"""Framework-free state-machine definitions of the pilot programme (transitions + stdlib only)."""
from workflows.engine import Flow, LabelledEnum, NoStep, Step
from workflows.registry import FLOWS

__all__ = ["Flow", "LabelledEnum", "NoStep", "Step", "FLOWS"]
