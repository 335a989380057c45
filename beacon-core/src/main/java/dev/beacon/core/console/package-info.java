/**
 * The debug console port: what happens in an app (connections, subscriptions, events, function
 * calls, errors), one entry at a time, for an operator watching it live as Pusher's debug
 * console shows it.
 */
package dev.beacon.core.console;
