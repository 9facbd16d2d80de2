"""Personal data: retention, a person's export and erasure, and files created private."""
