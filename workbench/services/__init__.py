"""Use cases. Services open one session per unit of work and return domain objects."""
