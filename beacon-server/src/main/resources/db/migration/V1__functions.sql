-- Durable data of the built-in functions. One schema for SQLite and PostgreSQL: times are
-- milliseconds since the epoch (BIGINT), flags are 0/1 INTEGERs, JSON is TEXT, ids are
-- time-ordered TEXT so that ORDER BY id is ORDER BY creation.

CREATE TABLE notifications (
  app_id     TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  type       TEXT    NOT NULL,
  title      TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  data       TEXT    NOT NULL,
  created_at BIGINT  NOT NULL,
  read_at    BIGINT  NOT NULL,
  PRIMARY KEY (app_id, id)
);
CREATE INDEX notifications_by_user ON notifications (app_id, user_id, id);
CREATE INDEX notifications_unread ON notifications (app_id, user_id, read_at);
CREATE INDEX notifications_by_age ON notifications (app_id, created_at);

CREATE TABLE read_receipts (
  app_id      TEXT   NOT NULL,
  chatroom_id TEXT   NOT NULL,
  message_id  TEXT   NOT NULL,
  user_id     TEXT   NOT NULL,
  message_ts  BIGINT,
  read_at     BIGINT NOT NULL,
  PRIMARY KEY (app_id, chatroom_id, message_id, user_id)
);

CREATE TABLE read_watermarks (
  app_id      TEXT   NOT NULL,
  chatroom_id TEXT   NOT NULL,
  user_id     TEXT   NOT NULL,
  up_to_ts    BIGINT NOT NULL,
  read_at     BIGINT NOT NULL,
  PRIMARY KEY (app_id, chatroom_id, user_id)
);
CREATE INDEX read_watermarks_by_ts ON read_watermarks (app_id, chatroom_id, up_to_ts);

CREATE TABLE activities (
  app_id     TEXT   NOT NULL,
  id         TEXT   NOT NULL,
  user_id    TEXT   NOT NULL,
  type       TEXT   NOT NULL,
  data       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, id)
);
CREATE INDEX activities_by_user ON activities (app_id, user_id, id);
CREATE INDEX activities_by_age ON activities (app_id, created_at);

CREATE TABLE friends (
  app_id     TEXT   NOT NULL,
  user_id    TEXT   NOT NULL,
  friend_id  TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, user_id, friend_id)
);
CREATE INDEX friends_by_friend ON friends (app_id, friend_id);

CREATE TABLE room_members (
  app_id     TEXT    NOT NULL,
  room_id    TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  registered INTEGER NOT NULL,
  last_seen  BIGINT  NOT NULL,
  data       TEXT    NOT NULL,
  PRIMARY KEY (app_id, room_id, user_id)
);
CREATE INDEX room_members_by_user ON room_members (app_id, user_id);

CREATE TABLE user_presence (
  app_id         TEXT   NOT NULL,
  user_id        TEXT   NOT NULL,
  status         TEXT,
  status_message TEXT,
  last_seen      BIGINT NOT NULL,
  PRIMARY KEY (app_id, user_id)
);

CREATE TABLE server_state (
  name  TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
