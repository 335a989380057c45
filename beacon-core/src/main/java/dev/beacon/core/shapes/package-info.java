/**
 * Drop-in shapes (SPEC section 4, "Drop-in shapes"): the function names and argument shapes that
 * apps written against other APIs call — the {@code @convex-dev/presence} component, conversation
 * presence, event rooms, a chat app's conventions — each a thin adapter in one class that calls
 * the features (or their functions, through {@link dev.beacon.core.functions.Functions#delegate}),
 * never a copy of them. A component room, a conversation, a Beacon room and the Pusher channel
 * {@code presence-room-{id}} are one membership.
 */
package dev.beacon.core.shapes;
