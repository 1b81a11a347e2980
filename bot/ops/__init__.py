"""Operating a deployment: backups, restore, doctor, and the benchmark harness."""
