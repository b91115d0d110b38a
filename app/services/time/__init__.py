"""Time: China's working-day calendar (and, later, time limits, reminders and escalation)."""
