/** {@code typing:*} (SPEC section 4): typing indicators with expiry. */
package dev.beacon.core.typing;
