-- Receipt written and inbox file removed: mark the arrival finished (arrivals: one row).
UPDATE arrivals SET finished = TRUE WHERE arrival_no = $arrival_no;
