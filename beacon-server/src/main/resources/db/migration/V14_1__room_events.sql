-- Event rooms (issue 14): which event each room belongs to, set by the app's backend
-- (rooms:setEvent); presence:getEventPresence reads an event's rooms.
CREATE TABLE room_events (
  app_id   TEXT NOT NULL,
  room_id  TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (app_id, room_id)
);
CREATE INDEX room_events_by_event ON room_events (app_id, event_id, room_id);
