package dev.beacon.core.functions;

import dev.beacon.core.app.App;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One invocation as the function body sees it: who calls, the validated arguments, the time, and
 * the set of keys the call reads (for live queries).
 */
public final class Call {

  private final Caller caller;
  private final Args args;
  private final long now;
  private final Set<DependencyKey> reads;
  private final java.util.Optional<String> requestKey;
  /**
   * In a cluster: the rate-limit tokens the cluster granted this call before this run (key to
   * how many are left to use), see {@link RateLimiter}.
   */
  private final java.util.Map<String, Integer> admitted;

  Call(Caller caller, Args args, long now, java.util.Optional<String> requestKey,
      java.util.Map<String, Integer> admitted) {
    this(caller, args, now, requestKey, new LinkedHashSet<>(), admitted);
  }

  private Call(Caller caller, Args args, long now, java.util.Optional<String> requestKey,
      Set<DependencyKey> reads, java.util.Map<String, Integer> admitted) {
    this.caller = caller;
    this.args = args;
    this.now = now;
    this.requestKey = requestKey;
    this.reads = reads;
    this.admitted = admitted;
  }

  /** Uses one of the tokens the cluster granted for {@code key}, if one is left. */
  boolean useAdmission(String key) {
    Integer left = admitted.get(key);
    if (left == null || left <= 0) {
      return false;
    }
    admitted.put(key, left - 1);
    return true;
  }

  /**
   * The same call made by {@code other}, recording its reads into this one's: for a drop-in shape
   * whose right to act is not the caller's identity but a token the server issued or an app
   * setting (the {@code @convex-dev/presence} room token, anonymous presence).
   */
  public Call actingAs(Caller other) {
    return new Call(other, args, now, requestKey, reads, admitted).sharing(shared);
  }

  /** The same call with other arguments, recording its reads into this one's. */
  Call with(Args other) {
    return new Call(caller, other, now, requestKey, reads, admitted).sharing(shared);
  }

  /**
   * What identifies this request if the client may send it again (a sync session's id and
   * request id); functions that create records store it, so a retry creates nothing twice.
   */
  public java.util.Optional<String> requestKey() {
    return requestKey;
  }

  public Caller caller() {
    return caller;
  }

  public App app() {
    return caller.app();
  }

  public String appId() {
    return caller.app().id();
  }

  public Args args() {
    return args;
  }

  /** Milliseconds since the epoch, fixed for the whole call. */
  public long now() {
    return now;
  }

  /**
   * The user the call acts for: the signed-in user, or for the backend the {@code userId}
   * argument. An end user naming another user in {@code userId} is refused.
   */
  public String actingUser() {
    java.util.Optional<String> named = args.optString("userId");
    if (caller.trusted()) {
      return named.orElseThrow(() -> new ArgumentValidationException(
          "Object is missing the required field `userId`: the app's backend must name the user "
              + "it acts for"));
    }
    String self = caller.userId().orElseThrow(() -> FunctionException.unauthenticated(
        "this function needs a signed-in user (Authorization: Bearer <JWT>)"));
    if (named.isPresent() && !named.get().equals(self)) {
      throw FunctionException.forbidden("user '" + self + "' may not act as user '" + named.get() + "'");
    }
    return self;
  }

  /**
   * The user the call acts for, if any: the signed-in user, or for the backend the {@code
   * userId} argument when given.
   */
  public java.util.Optional<String> optActingUser() {
    if (caller.trusted()) {
      return args.optString("userId");
    }
    return java.util.Optional.of(actingUser());
  }

  /** The signed-in end user; the backend has none. */
  public java.util.Optional<String> endUser() {
    return caller.trusted() ? java.util.Optional.empty() : caller.userId();
  }

  /** Records that the call's result depends on {@code scope/id}. */
  public void read(String scope, String id) {
    reads.add(DependencyKey.of(caller.app().id(), scope, id));
  }

  public Set<DependencyKey> reads() {
    return reads;
  }

  /** The reads this call shares with the other evaluations of its live-query round. */
  private SharedReads shared = SharedReads.NONE;

  Call sharing(SharedReads reads) {
    this.shared = reads;
    return this;
  }

  /**
   * A read whose value does not depend on the caller (a conversation's members, a page of its
   * messages): made once per live-query round however many users' queries ask for it, and made
   * each time outside one. The value must not be changed afterwards. The caller still records
   * what the read depends on with {@link #read}.
   *
   * @param key equal exactly for reads that return the same value (with the app id in it)
   */
  public <T> T shared(Object key, java.util.function.Supplier<T> read) {
    return shared.get(key, read);
  }

  /** Whether {@link #shared} reads are shared with other evaluations (in a live-query round). */
  public boolean sharesReads() {
    return shared != SharedReads.NONE;
  }
}
