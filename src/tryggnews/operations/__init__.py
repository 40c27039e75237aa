"""Running it for real: readiness checks, `doctor`, structured logs and metrics."""
