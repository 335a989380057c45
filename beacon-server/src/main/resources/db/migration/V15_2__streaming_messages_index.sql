-- The messages being streamed, by conversation (issue 15): messages:getStreaming runs for every
-- stored flush of a streamed text (up to 20 a second per stream) and threads:getGenerating with
-- it. Without this index they read every message of the conversation (messages_by_seq) and, to
-- see its status, which comes after its content, all of that content. Partial: only the rows
-- streaming now are in it.
CREATE INDEX messages_streaming ON messages (app_id, conversation_id, seq) WHERE status = 'streaming';
