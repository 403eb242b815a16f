"""Development tooling: the demo, the local BigQuery glue and the benchmark. Not shipped."""
