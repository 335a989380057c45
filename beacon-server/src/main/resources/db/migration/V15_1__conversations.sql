-- Conversations, members and stored messages (issue 15). A message's seq is its place in its
-- conversation (1, 2, ... with no gaps), taken from conversations.last_seq in the transaction
-- that stores it. activity_key orders a user's conversations by last activity (the id of the
-- newest message, or a key taken at creation) and is listMine's cursor.
CREATE TABLE conversations (
  app_id        TEXT   NOT NULL,
  id            TEXT   NOT NULL,
  title         TEXT   NOT NULL,
  created_by    TEXT   NOT NULL,
  created_at    BIGINT NOT NULL,
  last_seq      BIGINT NOT NULL,
  activity_key  TEXT   NOT NULL,
  last_activity BIGINT NOT NULL,
  PRIMARY KEY (app_id, id)
);

CREATE TABLE conversation_members (
  app_id          TEXT   NOT NULL,
  conversation_id TEXT   NOT NULL,
  user_id         TEXT   NOT NULL,
  joined_at       BIGINT NOT NULL,
  PRIMARY KEY (app_id, conversation_id, user_id)
);
CREATE INDEX conversation_members_by_user ON conversation_members (app_id, user_id);

-- status: sent, or for a streamed message streaming, then done / error / timeout. A deleted
-- message is a tombstone: content '' and deleted_at set. client_key makes a retried send (same
-- clientMessageId, or the same sync request) store nothing twice; NULL keys never clash.
CREATE TABLE messages (
  app_id          TEXT   NOT NULL,
  id              TEXT   NOT NULL,
  conversation_id TEXT   NOT NULL,
  seq             BIGINT NOT NULL,
  author_id       TEXT   NOT NULL,
  role            TEXT   NOT NULL,
  content         TEXT   NOT NULL,
  status          TEXT   NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  edited_at       BIGINT NOT NULL,
  deleted_at      BIGINT NOT NULL,
  client_key      TEXT,
  PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX messages_by_seq ON messages (app_id, conversation_id, seq);
CREATE UNIQUE INDEX messages_by_client_key ON messages (app_id, conversation_id, author_id, client_key);
CREATE INDEX messages_by_time ON messages (app_id, conversation_id, created_at);
CREATE INDEX messages_by_status ON messages (app_id, status);
