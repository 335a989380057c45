package dev.beacon.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link LogSettings} to logback once the configuration is read: the root level, and
 * the encoder of the standard-error appender that {@code logback.xml} declares. Plain lines carry
 * the date and time with its offset, then the level, the logger, the message and its fields
 * ({@code app="…" socket_id="…"}); JSON lines are one object each, written by the logstash
 * encoder with the same fields as members.
 */
public final class LogSetup {

  /** The plain format; {@code logback.xml} starts with the same one. */
  public static final String PLAIN_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{24} - %msg%replace( %kvp){'^ $', ''}%n";

  /** The appender of {@code logback.xml} that writes to standard error. */
  static final String APPENDER = "STDERR";

  private LogSetup() {}

  /** Sets the root level and the standard-error appender's format. */
  public static void apply(LogSettings settings) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding: it has its own configuration
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(settings.level(), Level.INFO));
    Appender<ILoggingEvent> appender = root.getAppender(APPENDER);
    if (appender instanceof OutputStreamAppender<ILoggingEvent> out) {
      out.stop();
      out.setEncoder(encoder(settings.format(), context));
      out.start();
    }
  }

  /** A started encoder of {@code format}. */
  public static Encoder<ILoggingEvent> encoder(LogSettings.Format format, LoggerContext context) {
    if (format == LogSettings.Format.JSON) {
      LogstashEncoder json = new LogstashEncoder();
      json.setContext(context);
      json.start();
      return json;
    }
    PatternLayoutEncoder plain = new PatternLayoutEncoder();
    plain.setContext(context);
    plain.setPattern(PLAIN_PATTERN);
    plain.start();
    return plain;
  }
}
