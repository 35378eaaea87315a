"""The reference server's schema, statement for statement (server/store/sqlite.ts and
server/store/postgres.ts MIGRATIONS). The SQL text is copied exactly: SQLite keeps the text of
every CREATE statement in sqlite_master, and the cross-language test compares both schemas as
the two languages create them. Change it only together with the TypeScript stores."""

from __future__ import annotations

SQLITE_1 = """
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_normalized TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX sessions_user_id ON sessions(user_id);
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX refresh_tokens_session_id ON refresh_tokens(session_id);
  CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    blocked_until INTEGER
  );
  """

SQLITE_2 = """
    ALTER TABLE users ADD COLUMN email_normalized TEXT NOT NULL DEFAULT '';
    CREATE TABLE reset_tokens (
      token_hash TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      expires_at INTEGER NOT NULL,
      used_at INTEGER,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX reset_tokens_user_id ON reset_tokens(user_id);
    CREATE TABLE preauthorized_emails (
      email TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY,
      recipient TEXT NOT NULL,
      subject TEXT NOT NULL,
      text_body TEXT NOT NULL,
      html_body TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_created_at ON outbox(created_at);
    """

SQLITE_3 = """
  CREATE TABLE pending_registrations (
    token_hash TEXT PRIMARY KEY,
    email_normalized TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
  );
  -- Deferred: createUser inserts the skeletons before the user, so a look-alike is found first.
  CREATE TABLE username_skeletons (
    skeleton TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
  );
  CREATE INDEX username_skeletons_user_id ON username_skeletons(user_id);
  """

SQLITE_4 = """
  ALTER TABLE users ADD COLUMN last_login INTEGER;
  ALTER TABLE users ADD COLUMN logins_count INTEGER NOT NULL DEFAULT 0;
  """

SQLITE_5 = """
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX orgs_name ON orgs(name);
  CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
  );
  CREATE INDEX memberships_user_id ON memberships(user_id);
  -- Not a foreign key: a pointer that every token issue checks against memberships.
  ALTER TABLE sessions ADD COLUMN org_id TEXT;
  """

SQLITE_2_EMAIL_INDEX = "CREATE UNIQUE INDEX users_email_normalized ON users(email_normalized) WHERE email_normalized <> ''"

PG_1 = """
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_normalized TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    email_normalized TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    roles TEXT[] NOT NULL DEFAULT '{}',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT users_username_normalized_key UNIQUE (username_normalized)
  );
  CREATE UNIQUE INDEX users_email_normalized ON users (email_normalized) WHERE email_normalized <> '';
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    revoked_at BIGINT
  );
  CREATE INDEX sessions_user_id ON sessions (user_id);
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
  CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
  CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    blocked_until BIGINT
  );
  CREATE TABLE reset_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX reset_tokens_user_id ON reset_tokens (user_id);
  CREATE TABLE preauthorized_emails (
    email TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX outbox_created_at ON outbox (created_at);
  """

PG_2 = """
  CREATE TABLE pending_registrations (
    token_hash TEXT PRIMARY KEY,
    email_normalized TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
  );
  -- Deferred: createUser inserts the skeletons before the user, so a look-alike is found first.
  CREATE TABLE username_skeletons (
    skeleton TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
  );
  CREATE INDEX username_skeletons_user_id ON username_skeletons (user_id);
  """

PG_3 = """
  ALTER TABLE users ADD COLUMN last_login BIGINT;
  ALTER TABLE users ADD COLUMN logins_count INTEGER NOT NULL DEFAULT 0;
  """

PG_4 = """
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX orgs_name ON orgs (name);
  CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
  );
  CREATE INDEX memberships_user_id ON memberships (user_id);
  -- Not a foreign key: a pointer that every token issue checks against memberships.
  ALTER TABLE sessions ADD COLUMN org_id TEXT;
  """

SQLITE_SCHEMA_VERSION = 5
PG_SCHEMA_VERSION = 4

#: Key of the advisory lock that serializes PostgreSQL migrations across processes ("ae_m").
PG_MIGRATION_LOCK_KEY = 0x61655F6D
