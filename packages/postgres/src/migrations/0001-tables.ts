/**
 * The mirror's tables. Text that listings sort by is `COLLATE "C"`, so PostgreSQL orders runs,
 * phases and artifacts byte by byte, as the DuckDB index does, whatever the database's locale.
 */
export const TABLES = `
CREATE TABLE ledger_runs (
  run_id text COLLATE "C" PRIMARY KEY,
  run_type text,
  status text NOT NULL,
  exit_code integer,
  created_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  duration_ms bigint,
  sort_at timestamptz GENERATED ALWAYS AS (coalesce(created_at, started_at, completed_at)) STORED,
  summary jsonb,
  config jsonb,
  data_fingerprint text,
  git jsonb,
  workspace_id text,
  configuration_id text,
  events_file text,
  events_offset bigint,
  output_paths jsonb,
  trial_count integer NOT NULL DEFAULT 0,
  best_metric double precision,
  best_trial text,
  failed_phase text
);
CREATE INDEX ledger_runs_sort ON ledger_runs (sort_at DESC NULLS LAST, run_id);
CREATE INDEX ledger_runs_status ON ledger_runs (status, sort_at DESC NULLS LAST, run_id);
CREATE INDEX ledger_runs_type ON ledger_runs (run_type, sort_at DESC NULLS LAST, run_id);

CREATE TABLE ledger_phases (
  run_id text COLLATE "C" NOT NULL,
  phase text COLLATE "C" NOT NULL,
  phase_order integer,
  started_at timestamptz,
  completed_at timestamptz,
  duration_ms double precision,
  PRIMARY KEY (run_id, phase)
);

CREATE TABLE ledger_artifacts (
  run_id text COLLATE "C" NOT NULL,
  position integer NOT NULL,
  artifact_id text,
  kind text,
  path text COLLATE "C",
  format text,
  bytes bigint,
  sha256 text,
  PRIMARY KEY (run_id, position)
);

-- How far into each log file the mirrored rows go, per index database ('runs', 'catalog'):
-- written in the transaction that writes the rows.
CREATE TABLE ledger_sync_checkpoints (
  source text NOT NULL,
  file text NOT NULL,
  bytes bigint NOT NULL,
  PRIMARY KEY (source, file)
);

CREATE TABLE ledger_sync_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  synced_at timestamptz NOT NULL,
  runs_written bigint NOT NULL DEFAULT 0,
  -- Strings PostgreSQL refuses (NUL, lone surrogates), stored escaped.
  escaped_values bigint NOT NULL DEFAULT 0
);
`;
