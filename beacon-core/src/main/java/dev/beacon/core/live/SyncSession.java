package dev.beacon.core.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionKind;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.hub.Attached;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.time.TimerWheel;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.convex.sync.StateVersion;
import dev.beacon.protocol.convex.sync.SyncClientMessage;
import dev.beacon.protocol.convex.sync.SyncCodec;
import dev.beacon.protocol.convex.sync.SyncServerMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One Convex sync WebSocket: its query set, identity and the transitions that keep the client's
 * copy of the query results current.
 *
 * <p>Confined to its lane's thread. The client keeps a state version (query set, timestamp,
 * identity) and every Transition must start exactly at it, so the session remembers the last
 * version it sent and never sends two transitions at once. Results that arrive close together
 * (within one lane batch) go out in one transition; a transition waits until every query the
 * client just added has its first result. After a mutation, a transition with a timestamp at
 * least the mutation's, and carrying the mutation's effects on the client's queries, follows the
 * response — the client resolves {@code mutation()} only then.
 */
public final class SyncSession implements Attached {

  static final long PING_AFTER_MILLIS = 15_000;
  /** Pings go out every 15 s and clients answer them: two missed answers mean the socket is dead. */
  static final long DEAD_AFTER_MILLIS = 40_000;

  private final SyncService service;
  private final Lane lane;
  private final SyncTransport transport;
  private final Map<Integer, Query> queries = new HashMap<>();
  /** Modifications other than results (removals, queries failed when added), by query id. */
  private final LinkedHashMap<Integer, SyncServerMessage.StateModification> pending = new LinkedHashMap<>();
  /**
   * Subscriptions whose latest result waits for the next transition. The result itself stays in
   * its subscription until the transition is written: a result comes about once a second per
   * query, and holding it here too (in a map's entry) would be more references from this
   * long-lived session to young objects, each one more card for every young collection to scan.
   */
  private final ArrayList<Subscription> arrived = new ArrayList<>();

  private String sessionId = "";
  private int querySetVersion;
  private int identityVersion;
  /**
   * The state version of the last transition sent (the client's), as primitives: a transition goes
   * out for every change, and a new version object each time would be one more reference from
   * this long-lived session to a young object for every young collection to scan and copy.
   */
  private int sentQuerySet;
  private long sentTs;
  private int sentIdentity;
  private Caller caller;
  private int awaiting;
  private boolean versionMoved;
  private long minTs;
  /**
   * Timestamps of mutations answered whose changes the engine has not passed on yet. No
   * transition may reach one of them before it settles: the client takes a transition at or past
   * a mutation's timestamp as "its effects are in the query results" and resolves the mutation.
   */
  private final java.util.PriorityQueue<Long> unsettled = new java.util.PriorityQueue<>();
  private boolean flushScheduled;
  private boolean closed;
  private long lastSentAt;
  private long lastReceivedAt;
  private TimerWheel.Timeout pingTimer;
  /**
   * Whether the identity is the backend acting as a user (an admin key with an identity): it
   * reads as that user but is not that user's presence session.
   */
  private boolean impersonated;
  private boolean connectSeen;
  /** A settled mutation needs a transition after its response even if nothing else changed. */
  private boolean carryOwed;
  /** Whether this connection counts as its user's presence session now. */
  private boolean present;
  /** Fires when the token of the current identity expires. */
  private TimerWheel.Timeout expiryTimer;

  /** A query the client added: live, or failed without evaluation (unknown function). */
  private static final class Query {
    final int id;
    final FunctionDefinition def;
    final JsonNode args;
    /** Its live subscription, for the identity it is watched as; null when not watched. */
    Subscription sub;
    boolean received;

    Query(int id, FunctionDefinition def, JsonNode args) {
      this.id = id;
      this.def = def;
      this.args = args;
    }
  }

  /**
   * A query watched as one identity: a new one each time the query is watched, so a result of the
   * query as an earlier identity is told apart by who it reached. It holds the latest result not
   * yet taken on the lane: while the lane is busy, newer results replace older ones, so what waits
   * per query is one result, and none is ever refused (nothing is allocated per result to wait).
   */
  private final class Subscription extends AtomicReference<QueryResult>
      implements LiveQueries.Watcher {
    final Query query;
    /** The shared live query's key, to unsubscribe with (set on the lane once subscribed). */
    String key;

    Subscription(Query query) {
      this.query = query;
    }

    /** Whether it is in {@link #arrived} (on the lane). */
    boolean listed;

    @Override
    public void updated(LiveQueries.LiveQuery live, QueryResult result) {
      if (getAndSet(result) == null) {
        lane.submitControl(this::arrivedOnLane);
      }
    }

    private void arrivedOnLane() {
      resultArrived(this);
    }
  }

  SyncSession(SyncService service, Lane lane, SyncTransport transport) {
    this.service = service;
    this.lane = lane;
    this.transport = transport;
    this.caller = service.authenticator.anonymous();
  }

  /** The user this connection is authenticated as, if any (on the lane's thread). */
  public Optional<String> userId() {
    return caller.userId();
  }

  void start() {
    lane.assertOnLane();
    lane.attach(this);
    long now = lane.clock().millis();
    lastSentAt = now;
    lastReceivedAt = now;
    pingTimer = lane.timers().schedule(now + PING_AFTER_MILLIS, this::checkLiveness);
  }

  // ------------------------------------------------------------------ inbound

  /** Handles one text frame. */
  public void onText(String text) {
    lane.assertOnLane();
    if (closed) {
      return;
    }
    lastReceivedAt = lane.clock().millis();
    SyncClientMessage message;
    try {
      message = SyncCodec.decode(text);
    } catch (IllegalArgumentException e) {
      fatal("Invalid message: " + e.getMessage());
      return;
    }
    if (message instanceof SyncClientMessage.Connect m) {
      if (connectSeen) {
        fatal("Connect may be sent once per connection");
        return;
      }
      connectSeen = true;
      sessionId = m.sessionId();
      m.maxObservedTimestamp().ifPresent(service.timestamps::observe);
    } else if (message instanceof SyncClientMessage.ModifyQuerySet m) {
      modifyQuerySet(m);
    } else if (message instanceof SyncClientMessage.Authenticate m) {
      authenticate(m);
    } else if (message instanceof SyncClientMessage.Mutation m) {
      mutation(m);
    } else if (message instanceof SyncClientMessage.Action m) {
      send(new SyncServerMessage.ActionFailed(m.requestId(),
          "Beacon has no actions: its built-in functions are queries and mutations"));
    }
    // Event: client telemetry, nothing to do
  }

  /** Any frame at all, such as a pong: the client is alive. */
  public void onActivity() {
    lane.assertOnLane();
    lastReceivedAt = lane.clock().millis();
  }

  // ------------------------------------------------------------------ query set

  private void modifyQuerySet(SyncClientMessage.ModifyQuerySet m) {
    if (m.baseVersion() != querySetVersion) {
      fatal("Invalid query set version " + m.baseVersion() + ": the server is at " + querySetVersion);
      return;
    }
    for (SyncClientMessage.QueryChange change : m.modifications()) {
      if (change instanceof SyncClientMessage.Add add) {
        if (queries.containsKey(add.queryId())) {
          fatal("Query " + add.queryId() + " is already in the query set");
          return;
        }
        int max = SyncService.MAX_QUERIES_PER_CONNECTION;
        if (queries.size() >= max) {
          if (queries.size() >= 2 * max) {
            fatal("A connection may hold at most " + max + " live queries, and " + 2 * max
                + " with the failed ones: remove some first");
            return;
          }
          // the others keep working: this one fails, and stays failed until the client removes it
          queries.put(add.queryId(), new Query(add.queryId(), null, add.args()));
          pending.put(add.queryId(), failed(add.queryId(), QueryResult.failure(
              FunctionException.limitReached("a connection may subscribe to at most " + max
                  + " queries; remove some first"))));
          continue;
        }
        add(add);
      } else if (change instanceof SyncClientMessage.Remove remove) {
        Query q = queries.remove(remove.queryId());
        if (q != null) {
          stop(q);
          pending.put(q.id, new SyncServerMessage.QueryRemoved(q.id));
        }
      }
    }
    querySetVersion = m.newVersion();
    versionMoved = true;
    scheduleFlush();
  }

  private void add(SyncClientMessage.Add add) {
    FunctionDefinition def;
    try {
      def = service.functions.resolve(canonical(add.udfPath()), Optional.of(FunctionKind.QUERY),
          add.args());
    } catch (FunctionException e) {
      queries.put(add.queryId(), new Query(add.queryId(), null, add.args()));
      pending.put(add.queryId(), failed(add.queryId(), QueryResult.failure(e)));
      return;
    }
    Query q = new Query(add.queryId(), def, add.args());
    queries.put(q.id, q);
    watch(q);
  }

  private void watch(Query q) {
    awaiting++;
    q.received = false;
    Subscription sub = new Subscription(q);
    q.sub = sub;
    sub.key = service.live.subscribe(q.def, caller, q.args, sub);
  }

  private void stop(Query q) {
    if (q.sub != null) {
      service.live.unsubscribe(q.sub.key, q.sub);
      q.sub = null;
    }
    if (q.def != null && !q.received) {
      awaiting--;
    }
  }

  /** A result waits in {@code from}: the next transition takes it (the latest by then). */
  private void resultArrived(Subscription from) {
    Query q = from.query;
    if (closed || !current(from)) {
      return; // removed, or from the query as the identity before a change of identity
    }
    if (!q.received) {
      q.received = true;
      awaiting--;
    }
    if (!from.listed && from.get() != null) {
      from.listed = true;
      arrived.add(from);
    }
    scheduleFlush();
  }

  /** Whether {@code sub} is how its query is watched now (not removed, not an earlier identity). */
  private boolean current(Subscription sub) {
    return queries.get(sub.query.id) == sub.query && sub.query.sub == sub;
  }

  /** The results waiting in {@link #arrived}, taken out, after the other modifications. */
  private List<SyncServerMessage.StateModification> modifications() {
    for (Subscription sub : arrived) {
      sub.listed = false;
      QueryResult r = sub.getAndSet(null);
      if (r != null && current(sub)) {
        int id = sub.query.id;
        // in place of a modification of the same query id waiting (as before, the latest wins)
        pending.put(id, r.failed() ? failed(id, r)
            : new SyncServerMessage.QueryUpdated(id, r.wireValue()));
      }
    }
    arrived.clear();
    List<SyncServerMessage.StateModification> mods = new ArrayList<>(pending.values());
    pending.clear();
    return mods;
  }

  private static SyncServerMessage.QueryFailed failed(int id, QueryResult r) {
    return new SyncServerMessage.QueryFailed(id, r.errorMessage().orElse("Query failed"),
        r.errorCode().map(c -> (JsonNode) JsonNodeFactory.instance.objectNode().put("code", c)));
  }

  // ------------------------------------------------------------------ identity

  private void authenticate(SyncClientMessage.Authenticate m) {
    if (m.baseVersion() != identityVersion) {
      fatal("Invalid identity version " + m.baseVersion() + ": the server is at " + identityVersion);
      return;
    }
    Authenticator.Identity identity;
    try {
      identity = service.authenticator.authenticate(m.tokenType(), m.value(), m.impersonating());
    } catch (FunctionException e) {
      // the token names no app the server can trust yet: no app id
      service.console.error("", Optional.empty(), 401, "sync Authenticate refused: " + e.getMessage());
      send(new SyncServerMessage.AuthError(e.getMessage(), m.baseVersion(), true));
      close(1000, "AuthError");
      return;
    }
    identityVersion = m.baseVersion() + 1;
    versionMoved = true;
    Caller next = identity.caller();
    watchExpiry(identity.validUntilMillis());
    boolean nextImpersonated = m.tokenType() == SyncClientMessage.TokenType.ADMIN
        && m.impersonating().isPresent();
    if (!sameIdentity(caller, next) || nextImpersonated != impersonated) {
      endPresence();
      caller = next;
      impersonated = nextImpersonated;
      startPresence();
      // every query runs again as the new identity
      for (Query q : queries.values()) {
        if (q.def != null) {
          stop(q);
          watch(q);
        }
      }
    }
    // a refreshed token for the same user only moves the identity version
    scheduleFlush();
  }

  /**
   * An identity lasts as long as its token: when it expires with no fresher one sent, the client
   * gets an {@code AuthError} (not caused by an auth update, so the client fetches a new token
   * and reconnects with it) and the connection closes, so an expired or revoked user stops
   * acting and stops being online.
   */
  private void watchExpiry(java.util.OptionalLong validUntil) {
    if (expiryTimer != null) {
      expiryTimer.cancel();
      expiryTimer = null;
    }
    if (validUntil.isEmpty()) {
      return;
    }
    int version = identityVersion;
    expiryTimer = lane.timers().schedule(validUntil.getAsLong(), () -> {
      expiryTimer = null;
      if (closed || version != identityVersion) {
        return;
      }
      send(new SyncServerMessage.AuthError("the token has expired", identityVersion - 1, false));
      close(1000, "AuthError");
    });
  }

  /** Who a caller is, spelled so that no user id can spell another kind of caller. */
  private String actor(Caller c) {
    if (c.trusted()) {
      return "b:";
    }
    return c.userId().map(u -> (impersonated ? "i:" : "u:") + u).orElse("n:");
  }

  private static boolean sameIdentity(Caller a, Caller b) {
    return a.app().id().equals(b.app().id()) && a.trusted() == b.trusted()
        && a.userId().equals(b.userId());
  }

  private void startPresence() {
    if (!caller.trusted() && caller.userId().isPresent() && !impersonated) {
      service.userConnections.connected(caller.app().id(), caller.userId().get());
      present = true;
    }
  }

  private void endPresence() {
    if (present) {
      service.userConnections.disconnected(caller.app().id(), caller.userId().get());
      present = false;
    }
  }

  // ------------------------------------------------------------------ mutations

  private void mutation(SyncClientMessage.Mutation m) {
    // a retry is the same request only from the same identity: another user (or app) naming the
    // same session and request id gets nothing of the first caller's, and its call runs
    String actor = actor(caller);
    String log = sessionId.isEmpty() ? ""
        : caller.app().id() + '\u0000' + actor + '\u0000' + sessionId;
    MutationLog.Entry logged = null;
    if (!log.isEmpty()) {
      logged = service.mutations.begin(log, m.requestId(),
          entry -> lane.submitControl(() -> replay(entry)));
      if (logged == null) {
        return; // answered (or about to be) from the log
      }
    }
    MutationLog.Entry entry = logged;
    FunctionDefinition def;
    try {
      def = service.functions.resolve(canonical(m.udfPath()), Optional.of(FunctionKind.MUTATION),
          m.args());
    } catch (FunctionException e) {
      respond(entry, mutationFailed(m.requestId(), e), 0);
      return;
    }
    Caller who = caller;
    // stored with what the mutation creates (unique per app): the user's id is length-prefixed so
    // no user id and session id can be chosen to spell another user's key
    Optional<String> requestKey = log.isEmpty() ? Optional.empty()
        : Optional.of(actor.length() + "/" + actor + ":" + sessionId + ":" + m.requestId());
    boolean blocking = def.blocking(who.app(), m.args());
    long start = System.nanoTime();
    java.util.function.BiConsumer<Functions.Result, RuntimeException> done = (r, e) -> {
      SyncServerMessage response;
      String outcome = "success";
      if (e == null) {
        response = new SyncServerMessage.MutationSucceeded(m.requestId(), ConvexValues.toJson(r.value()), 0);
      } else if (e instanceof FunctionException f) {
        outcome = f.code().toLowerCase(java.util.Locale.ROOT);
        response = mutationFailed(m.requestId(), f);
      } else {
        outcome = "error";
        org.slf4j.LoggerFactory.getLogger(SyncSession.class).error("{} failed", def.path(), e);
        response = mutationFailed(m.requestId(), new FunctionException.Internal());
      }
      long nanos = System.nanoTime() - start;
      service.metrics.functionCall(who.app().id(), def.path(), outcome, nanos);
      service.console.functionCall(who.app().id(), def.path(), who, outcome, nanos);
      SyncServerMessage answer = response;
      lane.submitControl(() -> completed(entry, answer));
    };
    // a run waiting for the cluster (a rate limit counted in Redis) runs again where it belongs
    java.util.concurrent.Executor again = blocking ? service.workers : lane::submitControl;
    Runnable run = () -> service.functions.invoke(def, who, m.args(), requestKey, again, done);
    if (blocking) {
      try {
        service.workers.execute(run);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        respond(entry, mutationFailed(m.requestId(),
            FunctionException.overloaded("too many calls are waiting; try again shortly")), 0);
      }
    } else {
      run.run();
    }
  }

  /** A mutation finished: give it a timestamp, answer, then a transition at or after it. */
  private void completed(MutationLog.Entry entry, SyncServerMessage response) {
    long ts = service.timestamps.next();
    SyncServerMessage answer = response instanceof SyncServerMessage.MutationSucceeded s
        ? new SyncServerMessage.MutationSucceeded(s.requestId(), s.result(), ts) : response;
    respond(entry, answer, ts);
  }

  /** @param entry the request's entry in the mutation log, or null without a session id */
  private void respond(MutationLog.Entry entry, SyncServerMessage answer, long ts) {
    if (entry != null) {
      service.mutations.finish(entry, answer, ts);
    }
    if (closed) {
      return;
    }
    send(answer);
    if (answer instanceof SyncServerMessage.MutationSucceeded) {
      settleThenCarry(ts);
    }
  }

  /**
   * Once the engine has passed on everything a mutation changed, sends a transition that carries
   * it, with a timestamp at or after the mutation's; until then no transition reaches that
   * timestamp.
   */
  private void settleThenCarry(long ts) {
    unsettled.add(ts);
    service.live.whenSettled(() -> lane.submitControl(() -> {
      unsettled.remove(ts);
      minTs = Math.max(minTs, ts);
      // the client resolves the mutation on a transition after its response: send one even when
      // an earlier one already passed its timestamp (a retry answered from the log)
      carryOwed = true;
      scheduleFlush();
    }));
  }

  /** The answer to a mutation the client sent again, from the log. */
  private void replay(MutationLog.Entry entry) {
    if (closed) {
      return;
    }
    send(entry.response());
    if (entry.response() instanceof SyncServerMessage.MutationSucceeded) {
      // the first attempt may have finished only now: its changes may still be on their way
      settleThenCarry(entry.ts());
    }
  }

  private static SyncServerMessage mutationFailed(int requestId, FunctionException e) {
    return new SyncServerMessage.MutationFailed(requestId, e.getMessage(),
        e.errorDataCode().map(c -> (JsonNode) JsonNodeFactory.instance.objectNode().put("code", c)));
  }

  // ------------------------------------------------------------------ transitions

  private void scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      lane.submitControl(this::flush);
    }
  }

  private void flush() {
    lane.assertOnLane();
    flushScheduled = false;
    if (closed || awaiting > 0) {
      return;
    }
    if (pending.isEmpty() && arrived.isEmpty() && !versionMoved && minTs <= sentTs && !carryOwed) {
      return;
    }
    long ts = service.timestamps.next();
    Long firstUnsettled = unsettled.peek();
    if (firstUnsettled != null && ts >= firstUnsettled) {
      if (firstUnsettled - 1 <= sentTs) {
        return; // held: the mutation settling schedules the next flush
      }
      ts = firstUnsettled - 1; // below the mutation's: the client will not resolve it yet
    }
    StateVersion start = new StateVersion(sentQuerySet, sentTs, sentIdentity);
    StateVersion end = new StateVersion(querySetVersion, ts, identityVersion);
    if (ts >= minTs) {
      carryOwed = false; // this transition carries every settled mutation
    }
    List<SyncServerMessage.StateModification> mods = modifications();
    versionMoved = false;
    SyncServerMessage.Transition t = new SyncServerMessage.Transition(start, end, mods);
    sentQuerySet = querySetVersion;
    sentTs = ts;
    sentIdentity = identityVersion;
    send(t);
  }

  private void send(SyncServerMessage message) {
    lane.assertOnLane();
    if (closed) {
      return;
    }
    lastSentAt = lane.clock().millis();
    transport.send(SyncCodec.encodeBytes(message));
  }

  // ------------------------------------------------------------------ liveness and closing

  private void checkLiveness() {
    pingTimer = null;
    if (closed) {
      return;
    }
    long now = lane.clock().millis();
    if (now - lastReceivedAt >= DEAD_AFTER_MILLIS) {
      close(1001, "No sign of life from the client");
      return;
    }
    if (now - lastSentAt >= PING_AFTER_MILLIS) {
      send(new SyncServerMessage.Ping());
    }
    transport.ping();
    pingTimer = lane.timers().schedule(now + PING_AFTER_MILLIS, this::checkLiveness);
  }

  private void fatal(String error) {
    send(new SyncServerMessage.FatalError(error));
    close(1008, "FatalError");
  }

  /**
   * Closes the connection. Pusher's codes (4000 and up, used when the server shuts down or
   * terminates a user) mean nothing to a Convex client and become 1001, going away.
   */
  @Override
  public void close(int code, String reason) {
    lane.assertOnLane();
    if (closed) {
      return;
    }
    transport.close(code >= 4000 ? 1001 : code, reason);
    onClosed();
  }

  /** The socket closed: stop every query and the presence session. Idempotent. */
  public void onClosed() {
    lane.assertOnLane();
    if (closed) {
      return;
    }
    closed = true;
    if (pingTimer != null) {
      pingTimer.cancel();
    }
    if (expiryTimer != null) {
      expiryTimer.cancel();
    }
    for (Query q : queries.values()) {
      if (q.sub != null) {
        service.live.unsubscribe(q.sub.key, q.sub);
      }
    }
    queries.clear();
    endPresence();
    lane.detach(this);
    service.closed();
  }

  @Override
  public String appId() {
    return caller.app().id();
  }

  @Override
  public boolean signedInAs(String userId) {
    // the user's own identity, not the backend acting as it: exactly when it is their presence
    return present && caller.userId().filter(userId::equals).isPresent();
  }

  /** {@code presence.js:heartbeat} and {@code presence:heartbeat} name the same function. */
  static String canonical(String udfPath) {
    int colon = udfPath.lastIndexOf(':');
    String module = colon < 0 ? udfPath : udfPath.substring(0, colon);
    String function = colon < 0 ? "default" : udfPath.substring(colon + 1);
    if (module.endsWith(".js")) {
      module = module.substring(0, module.length() - 3);
    }
    return module + ":" + function;
  }
}
