/** {@code readReceipts:*} (SPEC section 4): durable read receipts and chatroom watermarks. */
package dev.beacon.core.receipts;
