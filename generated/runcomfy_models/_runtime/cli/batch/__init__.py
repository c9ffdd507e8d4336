"""``runcomfy-models batch``: many inputs, bounded concurrency, a crash-safe journal."""
