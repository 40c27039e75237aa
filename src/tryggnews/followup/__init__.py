"""Follow-up of the medborgarlöfte: figures per sent issue, the rollup that keeps them
true after retention, and the yearly report (HTML, JSON, CSV, PDF)."""
