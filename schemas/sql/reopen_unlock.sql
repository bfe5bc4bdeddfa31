-- Unlock $period_id (period_locks: its one row removed; the reopening keeps the lock's details).
DELETE FROM period_locks WHERE period_id = $period_id;
