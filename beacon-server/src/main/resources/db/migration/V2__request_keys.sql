-- A retried mutation (the same sync session and request id) creates nothing twice: records that
-- a mutation creates carry its request key, unique per app. NULL keys (HTTP calls) never clash.
ALTER TABLE notifications ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX notifications_by_request ON notifications (app_id, request_key);
ALTER TABLE activities ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX activities_by_request ON activities (app_id, request_key);
