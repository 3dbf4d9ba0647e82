/**
 * The store schema as forward migrations: migration i takes a store from version i-1 to i (PRAGMA user_version).
 * Never edit a shipped migration; append a new one. docs/store.md explains the tables.
 */

export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** 'CoDW': stamps the file so another application's SQLite database is never mistaken for (or migrated into) a store. */
export const APPLICATION_ID = 0x436f4457;

const V1 = `
PRAGMA application_id = ${APPLICATION_ID};

CREATE TABLE runs (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('created', 'running', 'stopped', 'finished', 'failed')),
  config       TEXT NOT NULL CHECK (json_valid(config)),
  seeds        TEXT NOT NULL CHECK (json_valid(seeds)),
  code_version TEXT NOT NULL,
  run_dir      TEXT NOT NULL,
  last_error   TEXT
) STRICT;
CREATE INDEX runs_by_created ON runs (created_at);

-- One trainer per run. Stale when the holder's pid is dead or recycled (same host; pid_start tells a recycled pid)
-- or, for a holder on another host, when its heartbeat is older than stale_after_ms.
CREATE TABLE run_leases (
  run_id         TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  token          TEXT NOT NULL,
  pid            INTEGER NOT NULL,
  hostname       TEXT NOT NULL,
  pid_start      TEXT,
  acquired_at    INTEGER NOT NULL,
  heartbeat_at   INTEGER NOT NULL,
  stale_after_ms INTEGER NOT NULL
) STRICT;

-- A row exists only for a committed step: it is written in the same transaction as all of the step's rows.
CREATE TABLE steps (
  run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step           INTEGER NOT NULL CHECK (step >= 0),
  policy_version INTEGER NOT NULL,
  rollout_s      REAL NOT NULL,
  train_s        REAL NOT NULL,
  idle_s         REAL NOT NULL,
  committed_at   INTEGER NOT NULL,
  PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE metric_series (
  id     INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name   TEXT NOT NULL,
  UNIQUE (run_id, name)
) STRICT;

-- Long format, clustered by (series, step) so one series is one contiguous range read. NULL value = NaN.
CREATE TABLE metrics (
  series_id INTEGER NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
  step      INTEGER NOT NULL,
  value     REAL,
  wall_time INTEGER NOT NULL,
  PRIMARY KEY (series_id, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE lifecycles (
  id              INTEGER PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key             TEXT NOT NULL,
  step            INTEGER NOT NULL,
  pack_id         TEXT NOT NULL,
  domain          TEXT NOT NULL,
  rollout_index   INTEGER NOT NULL,
  split           TEXT NOT NULL CHECK (split IN ('train', 'eval')),
  suite           TEXT,
  checkpoint_step INTEGER,
  rewards         TEXT NOT NULL CHECK (json_valid(rewards)),
  update_rewards  TEXT NOT NULL CHECK (json_valid(update_rewards)),
  hints           TEXT NOT NULL CHECK (json_valid(hints)),
  error           TEXT,
  CHECK ((split = 'eval') = (suite IS NOT NULL)),
  UNIQUE (run_id, key)
) STRICT;
CREATE INDEX lifecycles_by_step ON lifecycles (run_id, step, split);
CREATE INDEX lifecycles_by_suite ON lifecycles (run_id, suite, checkpoint_step) WHERE suite IS NOT NULL;

-- Every model call. Prompts grow turn by turn, so only the messages / prompt tokens after the prefix shared with
-- the previous call of the same episode are stored (shared_* say how many are shared).
CREATE TABLE samples (
  id                   INTEGER PRIMARY KEY,
  lifecycle_id         INTEGER NOT NULL REFERENCES lifecycles (id) ON DELETE CASCADE,
  position             INTEGER NOT NULL,
  kind                 TEXT NOT NULL CHECK (kind IN ('solve', 'update')),
  turn                 INTEGER NOT NULL,
  shared_messages      INTEGER NOT NULL,
  messages             TEXT NOT NULL,
  response             TEXT NOT NULL,
  shared_prompt_tokens INTEGER NOT NULL,
  prompt_ids           BLOB,
  response_ids         BLOB,
  logprobs             BLOB,
  advantages           BLOB,
  reward               REAL,
  return_value         REAL,
  advantage            REAL,
  outcome              TEXT,
  hint_before          TEXT,
  hint_after           TEXT,
  UNIQUE (lifecycle_id, position, kind, turn)
) STRICT;

CREATE TABLE checkpoints (
  run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  path       TEXT NOT NULL,
  sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
  created_at INTEGER NOT NULL,
  eval       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(eval)),
  PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;

-- Append-only change feed: other processes poll it (changesSince) to learn which rows are new.
CREATE TABLE changes (
  seq    INTEGER PRIMARY KEY AUTOINCREMENT,
  tbl    TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step   INTEGER,
  op     TEXT NOT NULL,
  at     INTEGER NOT NULL
) STRICT;
`;

/** The environment's feedback on the finished task, kept on its solve calls (older rows have none: null). */
const V2 = `ALTER TABLE samples ADD COLUMN feedback TEXT;`;

// Version 3: what a researcher adds to a run (tags, notes; a rename edits runs.name), and the history of
// comparisons the workbench ran (`cod compare` jobs started from the UI), kept after their job is gone.
const V3 = `
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array');
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';

CREATE TABLE comparisons (
  id         TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  ended_at   INTEGER NOT NULL,
  state      TEXT NOT NULL CHECK (state IN ('done', 'failed', 'stopped')),
  label      TEXT NOT NULL,
  spec       TEXT NOT NULL CHECK (json_valid(spec)),
  result     TEXT CHECK (result IS NULL OR json_valid(result)),
  error      TEXT
) STRICT;
CREATE INDEX comparisons_by_created ON comparisons (created_at);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: V1 },
  { version: 2, sql: V2 },
  { version: 3, sql: V3 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
