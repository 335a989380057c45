/**
 * What the features share: the friend graph, the room registry, and the visibility rule built on
 * them (SPEC section 4, "Visibility").
 */
package dev.beacon.core.social;
