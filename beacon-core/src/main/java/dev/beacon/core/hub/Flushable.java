package dev.beacon.core.hub;

/** A connection with writes not yet flushed to its socket. */
@FunctionalInterface
public interface Flushable {

  void flush();
}
