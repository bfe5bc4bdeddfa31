-- Remove a province's rows before they are rolled up again (every national_* table: its rows of $province).
DELETE FROM national_submissions WHERE province = $province;
DELETE FROM national_values WHERE province = $province;
DELETE FROM national_units WHERE province = $province;
DELETE FROM national_sources WHERE province = $province;
