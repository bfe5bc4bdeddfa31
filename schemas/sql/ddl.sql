-- dxreport warehouse schema (DuckDB). Idempotent: every statement can run on an existing file.
-- Each table states its grain. Nothing is ever deleted from arrivals, submissions or the fact tables:
-- a resubmission adds a version; "current" views pick the newest accepted version.

CREATE SEQUENCE IF NOT EXISTS arrival_seq START 1;

-- Grain: one row per arrival of a file in the inbox (the same bytes arriving twice = two rows).
CREATE TABLE IF NOT EXISTS arrivals (
    arrival_no      INTEGER PRIMARY KEY,          -- 1, 2, ... (receipt file prefix, 6 digits)
    receipt_name    VARCHAR NOT NULL UNIQUE,      -- 000001-<sha16>.json
    file_name       VARCHAR NOT NULL,             -- original name in the inbox
    inbox_mtime_ns  BIGINT,                       -- to recognise an unfinished arrival after a crash
    sha256          VARCHAR NOT NULL,
    size_bytes      BIGINT NOT NULL,
    archive_path    VARCHAR NOT NULL,             -- relative to the workspace
    received_at     TIMESTAMPTZ NOT NULL,
    unit_code       VARCHAR,
    period_id       VARCHAR,
    version         INTEGER,                      -- accepted arrivals only
    status          VARCHAR NOT NULL,             -- accepted | accepted_with_warnings | rejected | duplicate
    timeliness      VARCHAR,                      -- on_time | late | after_lock | NULL
    duplicate_of    VARCHAR,                      -- receipt_name of the first arrival of these bytes
    receipt_json    VARCHAR NOT NULL,             -- the receipt exactly as written to receipts/
    finished        BOOLEAN NOT NULL DEFAULT FALSE -- receipt written and inbox file removed
);

-- Grain: one row per message per arrival.
CREATE TABLE IF NOT EXISTS arrival_messages (
    arrival_no  INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    severity    VARCHAR NOT NULL,
    rule        VARCHAR NOT NULL,
    sheet       VARCHAR,
    cell        VARCHAR,
    message_vi  VARCHAR NOT NULL,
    message_en  VARCHAR NOT NULL,
    PRIMARY KEY (arrival_no, seq)
);

-- Grain: one row per accepted submission version (unit x period x version).
CREATE TABLE IF NOT EXISTS submissions (
    unit_code         VARCHAR NOT NULL,
    period_id         VARCHAR NOT NULL,
    version           INTEGER NOT NULL,
    arrival_no        INTEGER NOT NULL UNIQUE,
    sha256            VARCHAR NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    timeliness        VARCHAR NOT NULL,
    has_warnings      BOOLEAN NOT NULL,
    unit_name_given   VARCHAR,
    preparer          VARCHAR,
    phone             VARCHAR,
    email             VARCHAR,
    prepared_on       DATE,
    template_version  INTEGER NOT NULL,
    PRIMARY KEY (unit_code, period_id, version)
);

-- Grain: one row per submission version per data element (unit x period x version x element).
CREATE TABLE IF NOT EXISTS element_values (
    unit_code     VARCHAR NOT NULL,
    period_id     VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    element_code  VARCHAR NOT NULL,
    value         DOUBLE,                         -- NULL = not reported (never silently 0)
    note          VARCHAR,
    PRIMARY KEY (unit_code, period_id, version, element_code)
);

-- Grain: one row per activity line per submission version.
CREATE TABLE IF NOT EXISTS activities (
    unit_code      VARCHAR NOT NULL,
    period_id      VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    line_no        INTEGER NOT NULL,              -- the row number in the sheet
    activity_date  DATE NOT NULL,
    activity_type  VARCHAR NOT NULL,
    channel        VARCHAR NOT NULL,
    title          VARCHAR,
    quantity       INTEGER NOT NULL,
    reach          DOUBLE,
    cost           DOUBLE,
    evidence_url   VARCHAR,
    PRIMARY KEY (unit_code, period_id, version, line_no)
);

-- Grain: one row per narrative section per submission version.
CREATE TABLE IF NOT EXISTS narratives (
    unit_code   VARCHAR NOT NULL,
    period_id   VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    section     VARCHAR NOT NULL,                 -- ket_qua | kho_khan | de_xuat | nhiem_vu
    body        VARCHAR,
    PRIMARY KEY (unit_code, period_id, version, section)
);

-- Grain: one row per period that is locked (its report issued as final).
CREATE TABLE IF NOT EXISTS period_locks (
    period_id    VARCHAR PRIMARY KEY,
    locked_at    TIMESTAMPTZ NOT NULL,
    report_path  VARCHAR,
    locked_by    VARCHAR
);

-- Grain: one row per issued (final) report: period x issue number (1, then 2 after a reopening ...).
-- The register of what was issued: the PDF is never rewritten, and asking again returns this file.
CREATE TABLE IF NOT EXISTS issued_reports (
    period_id        VARCHAR NOT NULL,
    issue_no         INTEGER NOT NULL,            -- 1; 2 after one reopening; ...
    doc_number       VARCHAR NOT NULL,            -- the clerk's number, e.g. 125
    doc_number_text  VARCHAR NOT NULL,            -- "Số: 125/BC-SKHCN"
    signer           VARCHAR NOT NULL,
    issued_on        DATE NOT NULL,               -- the date the report bears (a working day)
    issued_at        TIMESTAMPTZ NOT NULL,        -- when it was issued (the clock)
    pdf_path         VARCHAR NOT NULL,            -- relative to the workspace
    pdf_sha256       VARCHAR NOT NULL,
    manifest_path    VARCHAR NOT NULL,
    data_sha256      VARCHAR NOT NULL,            -- digest of the inputs (submissions, catalogue, code)
    replaces         VARCHAR,                     -- pdf_path of the report it replaces, if any
    PRIMARY KEY (period_id, issue_no)
);

-- Grain: one row per reopening of a locked period (the audit trail; the lock row is removed).
CREATE TABLE IF NOT EXISTS period_reopens (
    period_id    VARCHAR NOT NULL,
    reopened_at  TIMESTAMPTZ NOT NULL,
    reason       VARCHAR NOT NULL,
    locked_at    TIMESTAMPTZ NOT NULL,
    reopened_by  VARCHAR,                         -- who reopened it (--by)
    report_path  VARCHAR,                         -- the issued report this reopening set aside
    last_arrival_no INTEGER                       -- arrivals up to this number came before it
);
-- (workspaces created before these columns existed get them here)
ALTER TABLE period_reopens ADD COLUMN IF NOT EXISTS reopened_by VARCHAR;
ALTER TABLE period_reopens ADD COLUMN IF NOT EXISTS report_path VARCHAR;
ALTER TABLE period_reopens ADD COLUMN IF NOT EXISTS last_arrival_no INTEGER;

-- Grain: one row per value that changed from the previous accepted version, per accepted submission
-- version >= 2 (unit x period x version x seq); the same list as the receipt's "changes".
CREATE TABLE IF NOT EXISTS submission_changes (
    unit_code   VARCHAR NOT NULL,
    period_id   VARCHAR NOT NULL,
    version     INTEGER NOT NULL,                 -- the new version (compared with version - 1)
    seq         INTEGER NOT NULL,                 -- order in the receipt
    sheet       VARCHAR NOT NULL,
    cell        VARCHAR,                          -- in the new workbook; NULL for a removed value
    field       VARCHAR NOT NULL,                 -- element code, header key, narrative section, column
    label       VARCHAR NOT NULL,                 -- Vietnamese name of what changed
    old_json    VARCHAR NOT NULL,                 -- the old value as JSON (number, string or null)
    new_json    VARCHAR NOT NULL,                 -- the new value as JSON
    PRIMARY KEY (unit_code, period_id, version, seq)
);

-- Grain: one row per unit in the catalogue snapshot taken at the last intake or report.
CREATE TABLE IF NOT EXISTS catalog_units (
    unit_code    VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    unit_type    VARCHAR NOT NULL,
    valid_from   DATE NOT NULL,
    valid_to     DATE
);

-- Grain: one row per data element in the catalogue snapshot.
CREATE TABLE IF NOT EXISTS catalog_elements (
    element_code VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    uom          VARCHAR NOT NULL
);

-- Grain: one row per run of a flow that wrote to the warehouse (the run log).
CREATE TABLE IF NOT EXISTS run_log (
    started_at   TIMESTAMPTZ NOT NULL,
    flow         VARCHAR NOT NULL,
    detail       VARCHAR
);

-- Grain: one row per arrival whose bytes count as received when the same bytes come again (the
-- duplicate rule): every arrival except the `after_lock` ones of a period reopened after them, and the
-- duplicates of those. After a reopening, a file refused as `after_lock` is taken anew when resent.
CREATE OR REPLACE VIEW counted_arrivals AS
WITH set_aside AS (
    SELECT a.receipt_name
    FROM arrivals a
    JOIN (SELECT period_id, max(last_arrival_no) AS last_arrival_no
          FROM period_reopens GROUP BY period_id) r USING (period_id)
    WHERE a.timeliness = 'after_lock' AND a.arrival_no <= r.last_arrival_no
)
SELECT * FROM arrivals
WHERE receipt_name NOT IN (SELECT receipt_name FROM set_aside)
  AND coalesce(duplicate_of, '') NOT IN (SELECT receipt_name FROM set_aside);

-- Grain: one row per unit x period: the newest accepted version.
CREATE OR REPLACE VIEW current_submissions AS
SELECT * FROM submissions
QUALIFY version = max(version) OVER (PARTITION BY unit_code, period_id);

-- Grain: one row per unit x period x element, from the newest accepted version.
CREATE OR REPLACE VIEW current_values AS
SELECT v.* FROM element_values v
JOIN current_submissions s USING (unit_code, period_id, version);

-- Grain: one row per activity line of the newest accepted version.
CREATE OR REPLACE VIEW current_activities AS
SELECT a.* FROM activities a
JOIN current_submissions s USING (unit_code, period_id, version);

-- Grain: one row per narrative section of the newest accepted version.
CREATE OR REPLACE VIEW current_narratives AS
SELECT n.* FROM narratives n
JOIN current_submissions s USING (unit_code, period_id, version);

-- Grain: one row per reviewer decision on a draft report (sign-off in the Prefect UI or on the
-- command line): who decided, when, on which draft (its file and data digest), approve or reject and why.
CREATE TABLE IF NOT EXISTS report_decisions (
    period_id        VARCHAR NOT NULL,
    decision_no      INTEGER NOT NULL,            -- 1, 2, ... per period, in the order decided
    decided_at       TIMESTAMPTZ NOT NULL,        -- the clock (DXREPORT_NOW when replaying)
    reviewer         VARCHAR NOT NULL,
    approved         BOOLEAN NOT NULL,
    reason           VARCHAR,                     -- required when not approved
    draft_pdf        VARCHAR NOT NULL,            -- relative to the workspace
    draft_sha256     VARCHAR NOT NULL,
    data_sha256      VARCHAR NOT NULL,            -- digest of the draft's inputs
    source           VARCHAR NOT NULL,            -- 'ui' (Prefect pause form) or 'cli'
    flow_run_id      VARCHAR,
    PRIMARY KEY (period_id, decision_no)
);

-- Grain: one row per reminder letter: unit x period x reminder round (flow remind-missing). The
-- letter is written to outbox/<period>/<round>/<unit>.eml; a row whose status is 'sent' is never
-- sent again (a rerun of the same round sends nothing twice), the others are tried again.
CREATE TABLE IF NOT EXISTS reminders (
    period_id    VARCHAR NOT NULL,
    round        VARCHAR NOT NULL,                -- e.g. truoc-han, sau-han, or the operator's label
    unit_code    VARCHAR NOT NULL,
    cause        VARCHAR NOT NULL,                -- missing | rejected (only rejected files arrived)
    recipients   VARCHAR,                         -- the addresses, ', '-separated; NULL: none known
    status       VARCHAR NOT NULL,                -- sent | failed | no_email | written (no SMTP server)
    eml_path     VARCHAR NOT NULL,                -- relative to the workspace
    message_id   VARCHAR NOT NULL,
    attempts     INTEGER NOT NULL,                -- SMTP tries, over every run of this round
    error        VARCHAR,                         -- the last failure, as the server said it
    written_at   TIMESTAMPTZ NOT NULL,            -- the clock (DXREPORT_NOW when replaying)
    sent_at      TIMESTAMPTZ,
    PRIMARY KEY (period_id, round, unit_code)
);
