"""The commands: one module per area, each verb a use case that takes an explicit actor."""
