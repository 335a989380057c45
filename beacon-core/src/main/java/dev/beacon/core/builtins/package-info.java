/**
 * The catalogue of built-in functions (SPEC section 4): builds each feature with its stores and
 * the shared friend graph, room registry, visibility rule and expiry scheduler, and registers the
 * features' {@link dev.beacon.core.functions.FunctionModule}s with the framework. The only place
 * in core that knows every feature; the framework ({@code functions}) knows none.
 */
package dev.beacon.core.builtins;
