package dev.beacon.server.log;

import dev.beacon.core.console.DebugConsole;
import dev.beacon.core.functions.Caller;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * What the debug console hears, logged: subscriptions, client events, HTTP API events and
 * function calls at DEBUG; refused calls and failed authentications at INFO, within the
 * {@link Refusals} budget; other errors sent to clients at DEBUG. Each line carries its fields as
 * key-value pairs ({@code app}, {@code socket_id}, {@code user}, {@code channel}, {@code
 * function}, {@code code}, ...), which the JSON format writes as members. Connections opening and
 * closing are logged by the transport, with the remote address.
 */
public final class LogConsole implements DebugConsole {

  private static final Logger LOG = LoggerFactory.getLogger("dev.beacon.activity");

  /**
   * Codes of refusals: HTTP statuses of refused requests, and the Pusher codes of a connection
   * refused or closed for its credentials or its limits (4001 no such app, 4003 app disabled,
   * 4004 over quota, 4009 unauthorized, 4301 client events over their rate).
   */
  private static final Set<Integer> REFUSALS = Set.of(400, 401, 403, 404, 409, 413, 429,
      4001, 4003, 4004, 4009, 4301);

  /** Function outcomes that are refusals rather than answers. */
  private static final Set<String> REFUSED_OUTCOMES = Set.of("unauthenticated", "forbidden",
      "rate_limited", "overloaded", "limit_reached");

  private final Refusals refusals;

  public LogConsole(Refusals refusals) {
    this.refusals = refusals;
  }

  @Override
  public void subscribed(String appId, String socketId, String channel, Optional<String> userId) {
    if (LOG.isDebugEnabled()) {
      user(LOG.atDebug().addKeyValue("app", appId).addKeyValue("socket_id", socketId)
          .addKeyValue("channel", channel), userId).log("subscribed");
    }
  }

  @Override
  public void unsubscribed(String appId, String socketId, String channel) {
    if (LOG.isDebugEnabled()) {
      LOG.atDebug().addKeyValue("app", appId).addKeyValue("socket_id", socketId)
          .addKeyValue("channel", channel).log("unsubscribed");
    }
  }

  @Override
  public void leftOnClose(String appId, String socketId, String channel, Optional<String> userId) {
    if (LOG.isDebugEnabled()) {
      user(LOG.atDebug().addKeyValue("app", appId).addKeyValue("socket_id", socketId)
          .addKeyValue("channel", channel), userId).log("left on close");
    }
  }

  @Override
  public void clientEvent(String appId, String socketId, String channel, String event,
      String dataJson) {
    if (LOG.isDebugEnabled()) {
      LOG.atDebug().addKeyValue("app", appId).addKeyValue("socket_id", socketId)
          .addKeyValue("channel", channel).addKeyValue("event", event)
          .addKeyValue("bytes", dataJson.length()).log("client event");
    }
  }

  @Override
  public void apiEvent(String appId, List<String> channels, String event, String data) {
    if (LOG.isDebugEnabled()) {
      LOG.atDebug().addKeyValue("app", appId).addKeyValue("channel", String.join(",", channels))
          .addKeyValue("event", event).addKeyValue("bytes", data.length()).log("HTTP API event");
    }
  }

  @Override
  public void functionCall(String appId, String path, Caller caller, String outcome, long nanos) {
    boolean refused = REFUSED_OUTCOMES.contains(outcome);
    if (refused ? LOG.isInfoEnabled() && refusals.permit() : LOG.isDebugEnabled()) {
      LoggingEventBuilder line = refused ? LOG.atInfo() : LOG.atDebug();
      line = line.addKeyValue("app", appId).addKeyValue("function", path);
      line = caller.trusted() ? line.addKeyValue("caller", "backend") : user(line, caller.userId());
      line.addKeyValue("outcome", outcome)
          .addKeyValue("ms", TimeUnit.NANOSECONDS.toMicros(nanos) / 1000.0)
          .log(refused ? "function call refused" : "function call");
    }
  }

  @Override
  public void error(String appId, Optional<String> socketId, int code, String message) {
    boolean refused = REFUSALS.contains(code);
    if (refused ? LOG.isInfoEnabled() && refusals.permit() : LOG.isDebugEnabled()) {
      LoggingEventBuilder line = refused ? LOG.atInfo() : LOG.atDebug();
      if (!appId.isEmpty()) {
        line = line.addKeyValue("app", appId);
      }
      if (socketId.isPresent()) {
        line = line.addKeyValue("socket_id", socketId.get());
      }
      if (code != 0) {
        line = line.addKeyValue("code", code);
      }
      line.log(message);
    }
  }

  private static LoggingEventBuilder user(LoggingEventBuilder line, Optional<String> userId) {
    return userId.isPresent() ? line.addKeyValue("user", userId.get()) : line;
  }
}
