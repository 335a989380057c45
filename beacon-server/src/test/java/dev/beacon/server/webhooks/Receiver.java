package dev.beacon.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A local webhook receiver (the JDK's HTTP server on a free port) that records every request
 * with its headers and exact body and answers with the statuses it is given, then 200; a status
 * of 0 hangs the request until the receiver closes.
 */
public final class Receiver implements AutoCloseable {

  /** One request as it arrived. */
  public record Request(long nanos, Map<String, List<String>> headers, String body) {
    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }

    public JsonNode json() {
      return Json.parse(body);
    }

    public List<JsonNode> events() {
      List<JsonNode> out = new ArrayList<>();
      json().path("events").forEach(out::add);
      return out;
    }
  }

  public final List<Request> requests = new CopyOnWriteArrayList<>();
  /** How long each answer takes. */
  volatile long delayMillis;
  private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final HttpServer server;

  public Receiver(Integer... statuses) {
    answers.addAll(List.of(statuses));
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      requests.add(new Request(System.nanoTime(), Map.copyOf(exchange.getRequestHeaders()),
          new String(body, StandardCharsets.UTF_8)));
      if (delayMillis > 0) {
        try {
          Thread.sleep(delayMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Integer status = answers.poll();
      if (status != null && status == 0) {
        try {
          closing.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
        return;
      }
      if (status == null) {
        status = 200; // once the scripted answers are used up
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
  }

  /** Hangs every request from now on. */
  Receiver hangForever() {
    answers.clear();
    for (int i = 0; i < 10_000; i++) {
      answers.add(0);
    }
    return this;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
  }

  /** Every event of every request, in arrival order, as "name channel [user]". */
  public List<String> events() {
    List<String> out = new ArrayList<>();
    for (Request r : requests) {
      for (JsonNode e : r.events()) {
        out.add(describe(e));
      }
    }
    return out;
  }

  static String describe(JsonNode e) {
    StringBuilder s = new StringBuilder(e.path("name").asText());
    if (e.has("channel")) {
      s.append(' ').append(e.get("channel").asText());
    }
    if (e.has("user_id")) {
      s.append(' ').append(e.get("user_id").asText());
    }
    return s.toString();
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
  }
}
