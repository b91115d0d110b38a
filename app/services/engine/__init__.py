"""The engine: the one state-changing path (fire), guards, scoped loading and the action registry."""
