-- The national roll-up database: what each province's warehouse contributes (idempotent DDL).

-- Grain: one row per province x unit x period: the province's current (newest accepted) submission.
CREATE TABLE IF NOT EXISTS national_submissions (
    province     VARCHAR NOT NULL,
    unit_code    VARCHAR NOT NULL,
    period_id    VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    timeliness   VARCHAR NOT NULL,
    PRIMARY KEY (province, unit_code, period_id)
);

-- Grain: one row per province x unit x period x element, from the current submission.
CREATE TABLE IF NOT EXISTS national_values (
    province      VARCHAR NOT NULL,
    unit_code     VARCHAR NOT NULL,
    period_id     VARCHAR NOT NULL,
    element_code  VARCHAR NOT NULL,
    value         DOUBLE,
    PRIMARY KEY (province, unit_code, period_id, element_code)
);

-- Grain: one row per province x unit in the province's catalogue snapshot.
CREATE TABLE IF NOT EXISTS national_units (
    province    VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    unit_type   VARCHAR NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    PRIMARY KEY (province, unit_code)
);

-- Grain: one row per province: the warehouse file its rows came from, and when.
CREATE TABLE IF NOT EXISTS national_sources (
    province     VARCHAR PRIMARY KEY,
    source_path  VARCHAR NOT NULL,
    rolled_at    TIMESTAMPTZ NOT NULL,
    submissions  BIGINT NOT NULL,
    "values"     BIGINT NOT NULL
);
