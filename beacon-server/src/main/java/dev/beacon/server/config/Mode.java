package dev.beacon.server.config;

/**
 * Development mode serves helpers (token minting, signing auth endpoints) and binds to loopback;
 * production mode has neither and refuses the development secrets.
 */
public enum Mode {
  DEVELOPMENT,
  PRODUCTION
}
