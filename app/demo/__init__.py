"""Demo seeding and the simulated programme: built on the services, not part of them."""
