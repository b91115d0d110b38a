"""Issued documents: numbering, rendering, signatures and verification, as services."""
