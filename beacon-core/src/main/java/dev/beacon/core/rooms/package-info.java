/** {@code rooms:*} (SPEC section 4): room membership, one model with presence-room channels. */
package dev.beacon.core.rooms;
