/**
 * {@code conversations:*} and {@code messages:*} (SPEC section 4, issue 15): durable
 * conversations with members, messages with a per-conversation sequence number, edits and
 * tombstones, unread counts from the read-receipt watermark, and streamed replies, published on
 * {@code private-conversation-{id}} too.
 */
package dev.beacon.core.conversations;
