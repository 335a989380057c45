package dev.beacon.protocol.pusher;

/** The kinds of Pusher channel, told apart by name prefix. */
public enum ChannelType {
  /** Anyone may subscribe; no client events. */
  PUBLIC,
  /** {@code private-}: subscription needs a signature. */
  PRIVATE,
  /** {@code private-encrypted-}: like private, payloads are end-to-end encrypted and opaque. */
  PRIVATE_ENCRYPTED,
  /** {@code presence-}: signed, with a member list. */
  PRESENCE,
  /** {@code #server-to-user-{id}}: only a connection signed in as that user may subscribe. */
  SERVER_TO_USER;

  /** Whether a subscription needs an {@code auth} signature. */
  public boolean requiresSignature() {
    return this == PRIVATE || this == PRIVATE_ENCRYPTED || this == PRESENCE;
  }

  /** Whether clients may trigger {@code client-} events on the channel. */
  public boolean allowsClientEvents() {
    return this == PRIVATE || this == PRESENCE;
  }
}
