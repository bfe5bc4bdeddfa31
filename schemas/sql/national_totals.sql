-- The national figures of $period_id: per data element, the sum over every province's units and how many reported (one row per element).
SELECT element_code,
       sum(value) AS total,
       count(value) AS units_reporting,
       count(DISTINCT province) AS provinces
FROM national_values
WHERE period_id = $period_id
GROUP BY element_code
ORDER BY element_code;
