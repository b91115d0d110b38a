"""Official documents: print layouts rendered to PDF, numbering, signatures and verification."""
