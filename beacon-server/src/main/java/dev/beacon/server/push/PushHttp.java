package dev.beacon.server.push;

import dev.beacon.core.push.Delivery;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP client of the Web Push and FCM senders: asynchronous, on two threads of its own (never
 * an event loop), with connect and request timeouts; and how their answers read.
 */
final class PushHttp implements AutoCloseable {

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

  private final ExecutorService threads;
  private final HttpClient client;

  PushHttp() {
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "beacon-push-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.client = HttpClient.newBuilder().executor(threads).connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  HttpClient client() {
    return client;
  }

  /** A retry for a throttled or failing service, after its {@code Retry-After} if it sent one. */
  static Delivery retry(HttpResponse<?> response, String service) {
    return new Delivery.Retry(retryAfter(response.headers().firstValue("retry-after").orElse(""),
        System.currentTimeMillis()), service + " answered " + response.statusCode());
  }

  /** {@code Retry-After} as delay-seconds or an HTTP date, in milliseconds from {@code now}. */
  static OptionalLong retryAfter(String value, long now) {
    String v = value.trim();
    if (v.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Math.max(0, Long.parseLong(v)) * 1000);
    } catch (NumberFormatException e) {
      try {
        long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return OptionalLong.of(Math.max(0, at - now));
      } catch (DateTimeParseException e2) {
        return OptionalLong.empty();
      }
    }
  }

  /** The start of a body for a log line. */
  static String snippet(String body) {
    String flat = body.replaceAll("\\s+", " ").trim();
    return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
