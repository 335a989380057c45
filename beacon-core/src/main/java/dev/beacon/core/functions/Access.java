package dev.beacon.core.functions;

/** Who may call a function. */
public enum Access {
  /** Anyone, signed in or not. */
  PUBLIC,
  /** An end user acting as itself, or the backend acting for the user named by {@code userId}. */
  USER,
  /** Only the app's backend. */
  BACKEND
}
