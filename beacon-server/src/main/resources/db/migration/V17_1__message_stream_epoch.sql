-- The fencing epoch of a streamed message (issue 15, cluster): the epoch of the node that holds
-- its text in memory, as last raised by a node taking the stream over (a claim in Redis hands
-- out epochs that only grow). A flush or the end of a stream is stored only by a writer whose
-- epoch is not older than this one, so a holder that was taken for gone (a long pause) and
-- comes back cannot overwrite the text of the node that took over. 0: the node that started it.
ALTER TABLE messages ADD COLUMN stream_epoch BIGINT NOT NULL DEFAULT 0;
