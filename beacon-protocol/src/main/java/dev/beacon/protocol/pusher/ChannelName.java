package dev.beacon.protocol.pusher;

import java.util.Optional;

/**
 * A validated Pusher channel name and what its prefix means.
 *
 * <p>Names are at most {@value #MAX_LENGTH} characters of {@code [A-Za-z0-9_\-=@,.;]}, except the
 * reserved {@code #server-to-user-{userId}} channels of user authentication.
 */
public record ChannelName(String value, ChannelType type, boolean cache) {

  public static final int MAX_LENGTH = 200;
  public static final String SERVER_TO_USER_PREFIX = "#server-to-user-";

  public ChannelName {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("channel name is empty");
    }
  }

  /**
   * Parses and validates a channel name.
   *
   * @throws IllegalArgumentException naming the problem, if the name is not valid
   */
  public static ChannelName parse(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("channel name is empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "channel name is " + name.length() + " characters, the limit is " + MAX_LENGTH);
    }
    if (name.startsWith(SERVER_TO_USER_PREFIX)) {
      String user = name.substring(SERVER_TO_USER_PREFIX.length());
      if (user.isEmpty() || !validUserIdChars(user)) {
        throw new IllegalArgumentException("invalid user id in channel name '" + name + "'");
      }
      return new ChannelName(name, ChannelType.SERVER_TO_USER, false);
    }
    int bad = firstInvalidChar(name);
    if (bad >= 0) {
      throw new IllegalArgumentException(
          "channel name '" + name + "' has invalid character '" + name.charAt(bad)
              + "' (allowed: A-Z a-z 0-9 _ - = @ , . ;)");
    }
    if (name.startsWith("private-encrypted-")) {
      return new ChannelName(
          name, ChannelType.PRIVATE_ENCRYPTED, name.startsWith("private-encrypted-cache-"));
    }
    if (name.startsWith("private-")) {
      return new ChannelName(name, ChannelType.PRIVATE, name.startsWith("private-cache-"));
    }
    if (name.startsWith("presence-")) {
      return new ChannelName(name, ChannelType.PRESENCE, name.startsWith("presence-cache-"));
    }
    return new ChannelName(name, ChannelType.PUBLIC, name.startsWith("cache-"));
  }

  /** Parses, returning empty instead of throwing. */
  public static Optional<ChannelName> tryParse(String name) {
    try {
      return Optional.of(parse(name));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The user a {@code #server-to-user-} channel belongs to. */
  public Optional<String> serverToUserId() {
    return type == ChannelType.SERVER_TO_USER
        ? Optional.of(value.substring(SERVER_TO_USER_PREFIX.length()))
        : Optional.empty();
  }

  public boolean isPresence() {
    return type == ChannelType.PRESENCE;
  }

  /** The channel name of a user's server-to-user channel. */
  public static String serverToUser(String userId) {
    return SERVER_TO_USER_PREFIX + userId;
  }

  @Override
  public String toString() {
    return value;
  }

  private static int firstInvalidChar(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (!validChannelChar(name.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  static boolean validChannelChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_' || c == '-' || c == '=' || c == '@' || c == ',' || c == '.' || c == ';';
  }

  /**
   * A user id in a {@code #server-to-user-} channel: visible characters. Pusher's SDKs accept any
   * non-empty id for sign-in and {@code sendToUser}, and apps use e-mail addresses such as {@code
   * jane+doe@example.com}, so the channel-name alphabet of other channels does not apply here.
   * Refused: spaces, control and invisible formatting characters (look-alike ids), unpaired
   * surrogates (not valid UTF-8), and {@code / ? # %}, which the SDKs put unencoded in the
   * {@code /users/{id}/terminate_connections} path, where they would name another resource.
   */
  private static boolean validUserIdChars(String user) {
    for (int i = 0; i < user.length(); i++) {
      char c = user.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= user.length() || !Character.isLowSurrogate(user.charAt(i + 1))) {
          return false;
        }
        int cp = user.codePointAt(i);
        if (Character.getType(cp) == Character.FORMAT || !Character.isDefined(cp)) {
          return false;
        }
        i++;
        continue;
      }
      if (Character.isLowSurrogate(c) || Character.isWhitespace(c) || Character.isISOControl(c)
          || Character.isSpaceChar(c) || Character.getType(c) == Character.FORMAT
          || c == '/' || c == '?' || c == '#' || c == '%') {
        return false;
      }
    }
    return true;
  }
}
