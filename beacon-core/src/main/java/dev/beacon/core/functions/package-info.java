/**
 * The built-in functions' framework: declarations with argument validators, access rules, the
 * registry and the call path, and the dependency keys that tie reads to changes. The names and
 * semantics are those of ../shared/SPEC.md section 4; values follow Convex's encoding.
 */
package dev.beacon.core.functions;
