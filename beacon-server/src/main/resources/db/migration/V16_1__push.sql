-- Offline push (issue 16): devices registered per user, and the durable outbox of pushes, one
-- row per push and device, written in the same transaction as what the push is about.

CREATE TABLE push_devices (
  app_id     TEXT   NOT NULL,
  id         TEXT   NOT NULL,
  user_id    TEXT   NOT NULL,
  kind       TEXT   NOT NULL,
  address    TEXT   NOT NULL,
  p256dh     TEXT   NOT NULL,
  auth       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX push_devices_by_address ON push_devices (app_id, kind, address);
CREATE INDEX push_devices_by_user ON push_devices (app_id, user_id, created_at);

-- next_attempt_at: when the push is due; claimed_until: a node is sending it until then (a claim
-- that lapses, as a dead node's does, makes the push due again: at least once)
CREATE TABLE push_outbox (
  app_id          TEXT    NOT NULL,
  message_id      TEXT    NOT NULL,
  device_id       TEXT    NOT NULL,
  title           TEXT    NOT NULL,
  body            TEXT    NOT NULL,
  data            TEXT    NOT NULL,
  url             TEXT    NOT NULL,
  created_at      BIGINT  NOT NULL,
  expires_at      BIGINT  NOT NULL,
  attempts        INTEGER NOT NULL,
  next_attempt_at BIGINT  NOT NULL,
  claimed_until   BIGINT  NOT NULL,
  request_key     TEXT,
  PRIMARY KEY (app_id, message_id, device_id)
);
CREATE INDEX push_outbox_due ON push_outbox (next_attempt_at);
CREATE INDEX push_outbox_by_device ON push_outbox (app_id, device_id);
CREATE UNIQUE INDEX push_outbox_by_request ON push_outbox (app_id, request_key, device_id);
