package dev.beacon.core.receipts;

import java.util.List;
import java.util.Optional;

/** Durable read receipts: per message, and per chatroom up to a time. Blocking. */
public interface ReceiptStore {

  /** Who read what, and when. */
  record Read(String userId, long readAt) {}

  /** Records that the user read the message; keeps the first read time. */
  void markMessage(String appId, String chatroomId, String messageId, String userId,
      Optional<Long> messageTs, long at);

  /** Moves the user's watermark in the chatroom forward to {@code upToTs} (never back). */
  void markChatroom(String appId, String chatroomId, String userId, long upToTs, long at);

  /** The message's time as recorded by any reader, if known. */
  Optional<Long> messageTs(String appId, String chatroomId, String messageId);

  /** Users who marked the message itself. */
  List<Read> messageReads(String appId, String chatroomId, String messageId);

  /** Users whose chatroom watermark is at or after {@code ts}, with the time they moved it. */
  List<Read> watermarksAtOrAfter(String appId, String chatroomId, long ts);

  Optional<Read> messageRead(String appId, String chatroomId, String messageId, String userId);

  Optional<Long> watermark(String appId, String chatroomId, String userId);
}
