"""Optional model drafting: nothing a model says is trusted until kfix verifies it."""
