package dev.beacon.server.cluster;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads and removes a test run's keys in the local Redis. */
final class RedisKeys {

  private RedisKeys() {}

  /** Runs one command and returns its answer. */
  static Response command(Request request) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = Redis.createClient(vertx, ClusterNodes.REDIS_URL);
      RedisConnection c = redis.connect().await(5, TimeUnit.SECONDS);
      try {
        return c.send(request).await(5, TimeUnit.SECONDS);
      } finally {
        c.close();
      }
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  /** Deletes every key that starts with {@code prefix}. */
  static void delete(String prefix) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = Redis.createClient(vertx, ClusterNodes.REDIS_URL);
      RedisConnection c = redis.connect().await(5, TimeUnit.SECONDS);
      try {
        String cursor = "0";
        do {
          Response page = c.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH")
              .arg(prefix + "*").arg("COUNT").arg(1000)).await(5, TimeUnit.SECONDS);
          cursor = page.get(0).toString();
          List<String> keys = new ArrayList<>();
          for (Response k : page.get(1)) {
            keys.add(k.toString());
          }
          if (!keys.isEmpty()) {
            Request del = Request.cmd(Command.DEL);
            keys.forEach(del::arg);
            c.send(del).await(5, TimeUnit.SECONDS);
          }
        } while (!cursor.equals("0"));
      } finally {
        c.close();
      }
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }
}
