"""The reads: one module per page family, scoped by policies.visible_to, with one paginate."""
