"""Gatekeeper ConstraintTemplates, Constraints and gator suites on kfix's engine."""
