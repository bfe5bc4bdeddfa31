-- One line in the run log for a flow run that wrote to the warehouse (run_log: one row per run).
INSERT INTO run_log (started_at, flow, detail) VALUES ($started_at, $flow, $detail);
