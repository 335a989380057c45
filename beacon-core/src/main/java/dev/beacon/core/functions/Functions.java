package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.beacon.core.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The registry of built-in functions and the one way to call them: find by path, check the kind,
 * validate the arguments against the declaration, check access, run.
 */
public final class Functions {

  /** Each path's own definition. */
  private final Map<String, FunctionDefinition> byPath = new LinkedHashMap<>();
  /** Definitions serving one argument shape of a path, tried before its own, in order. */
  private final Map<String, java.util.List<FunctionDefinition>> shapes = new java.util.HashMap<>();
  private final Clock clock;

  public Functions(Clock clock) {
    this.clock = clock;
  }

  /**
   * Adds a function; paths are unique. A definition for one argument shape ({@link
   * FunctionDefinition#when}) is added beside its path's own definition, of the same kind.
   */
  public Functions register(FunctionDefinition definition) {
    if (definition.isShape()) {
      FunctionDefinition own = byPath.get(definition.path());
      if (own == null || own.kind() != definition.kind()) {
        throw new IllegalArgumentException("function " + definition.path() + " has no " 
            + definition.kind().label() + " of its own to add an argument shape to");
      }
      shapes.computeIfAbsent(definition.path(), p -> new java.util.ArrayList<>()).add(definition);
      return this;
    }
    if (byPath.putIfAbsent(definition.path(), definition) != null) {
      throw new IllegalArgumentException("function " + definition.path() + " is defined twice");
    }
    return this;
  }

  public Functions registerAll(Collection<FunctionDefinition> definitions) {
    definitions.forEach(this::register);
    return this;
  }

  /** Adds every function of each feature module. */
  public Functions register(FunctionModule... modules) {
    for (FunctionModule module : modules) {
      registerAll(module.definitions());
    }
    return this;
  }

  public Optional<FunctionDefinition> find(String path) {
    return Optional.ofNullable(byPath.get(path));
  }

  public Collection<FunctionDefinition> all() {
    return byPath.values();
  }

  /** The result of a call, and what it read. */
  public record Result(JsonNode value, Set<DependencyKey> reads) {}

  /**
   * Looks up {@code path} and checks it is of the kind called (empty: any kind, as {@code
   * /api/function} allows).
   *
   * @throws FunctionException for an unknown function or the wrong kind
   */
  /**
   * As {@link #resolve(String, Optional)}, choosing among the path's definitions the one for the
   * shape of {@code args}; a caller that decides where to run a call by its definition ({@link
   * FunctionDefinition#blocking}) resolves with the arguments.
   */
  public FunctionDefinition resolve(String path, Optional<FunctionKind> kind, JsonNode args) {
    return select(resolve(path, kind), args);
  }

  /** The definition of {@code def}'s path that serves calls with these arguments. */
  FunctionDefinition select(FunctionDefinition def, JsonNode args) {
    java.util.List<FunctionDefinition> alternatives = shapes.get(def.path());
    if (alternatives == null || !args.isObject()) {
      return def;
    }
    for (FunctionDefinition shape : alternatives) {
      if (shape.shape().matches(args)) {
        return shape;
      }
    }
    return byPath.getOrDefault(def.path(), def);
  }

  public FunctionDefinition resolve(String path, Optional<FunctionKind> kind) {
    FunctionDefinition def = byPath.get(path);
    if (def == null) {
      throw FunctionException.unknownFunction(path);
    }
    if (kind.isPresent() && kind.get() != def.kind()) {
      throw FunctionException.wrongKind(path, def.kind().label(), kind.get().label());
    }
    return def;
  }

  /**
   * Validates and runs a call. Call it on a thread that may block when {@code def.blocking()}.
   *
   * @throws FunctionException when the call is refused or fails
   */
  public Result invoke(FunctionDefinition def, Caller caller, JsonNode args) {
    return invoke(def, caller, args, java.util.Optional.empty());
  }

  /** The outcome of a query evaluation: a value or an error, and what was read either way. */
  public record Evaluation(JsonNode value, java.util.Optional<FunctionException> error,
      Set<DependencyKey> reads) {
    public boolean failed() {
      return error.isPresent();
    }
  }

  /** Runs a call, catching its failure, so that a live query knows what a failed run read. */
  public Evaluation evaluate(FunctionDefinition def, Caller caller, JsonNode args) {
    return evaluate(def, caller, args, SharedReads.NONE);
  }

  /**
   * As {@link #evaluate(FunctionDefinition, Caller, JsonNode)}, sharing the reads that do not
   * depend on the caller with the other evaluations of a live-query round ({@link Call#shared}).
   */
  public Evaluation evaluate(FunctionDefinition def, Caller caller, JsonNode args,
      SharedReads shared) {
    Call[] call = new Call[1];
    try {
      Result r = invoke(def, caller, args, java.util.Optional.empty(),
          c -> call[0] = c.sharing(shared));
      return new Evaluation(r.value(), java.util.Optional.empty(), r.reads());
    } catch (FunctionException e) {
      return new Evaluation(NullNode.getInstance(), java.util.Optional.of(e),
          call[0] == null ? Set.of() : call[0].reads());
    }
  }

  /**
   * Runs a call carrying a request key (a sync session's id and request id): functions that
   * create records use it so that a retried mutation creates nothing twice.
   */
  public Result invoke(FunctionDefinition def, Caller caller, JsonNode args,
      java.util.Optional<String> requestKey) {
    return invoke(def, caller, args, requestKey, c -> { });
  }

  private Result invoke(FunctionDefinition called, Caller caller, JsonNode args,
      java.util.Optional<String> requestKey, java.util.function.Consumer<Call> started) {
    return invoke(called, caller, args, requestKey, started, new java.util.HashMap<>());
  }

  /**
   * Runs a call that may have to wait for the cluster (a rate limit counted in Redis: {@link
   * RateLimiter}), never blocking: the first run is made here, on the calling thread; a run that
   * stopped at a limit ({@link RateLimiter.Admission}) is made again through {@code again} (the
   * thread the call belongs on) once the cluster granted the token, with every token granted so
   * far. Only the built-in functions' limits stop a run, before the body changed anything (a body
   * passing two limits, such as a chat heartbeat with a thread, runs its idempotent first part
   * again). A run that stopped for the cluster's answer ({@link Awaiting}: a room join) runs
   * again the same way once the answer came, with the same tokens, or fails with the answer's
   * failure. On one node this is one run, as {@link #invoke(FunctionDefinition, Caller, JsonNode,
   * java.util.Optional)}.
   *
   * @param done told the result or the failure, once, on whichever thread finished the call
   */
  public void invoke(FunctionDefinition def, Caller caller, JsonNode args,
      java.util.Optional<String> requestKey, java.util.concurrent.Executor again,
      java.util.function.BiConsumer<Result, RuntimeException> done) {
    pass(def, caller, args, requestKey, again, done, new java.util.HashMap<>());
  }

  private void pass(FunctionDefinition def, Caller caller, JsonNode args,
      java.util.Optional<String> requestKey, java.util.concurrent.Executor again,
      java.util.function.BiConsumer<Result, RuntimeException> done,
      java.util.Map<String, Integer> granted) {
    Result result;
    try {
      result = invoke(def, caller, args, requestKey, c -> { }, new java.util.HashMap<>(granted));
    } catch (RateLimiter.Admission admission) {
      admission.ask().whenComplete((ok, e) -> {
        if (!Boolean.TRUE.equals(ok)) {
          done.accept(null, admission.refused());
          return;
        }
        java.util.Map<String, Integer> next = new java.util.HashMap<>(granted);
        next.merge(admission.key(), 1, Integer::sum);
        try {
          again.execute(() -> pass(def, caller, args, requestKey, again, done, next));
        } catch (java.util.concurrent.RejectedExecutionException full) {
          done.accept(null, FunctionException.overloaded(
              "too many calls are waiting; try again shortly"));
        }
      });
      return;
    } catch (Awaiting waiting) {
      waiting.answer().whenComplete((v, e) -> {
        if (e != null) {
          done.accept(null, waiting.failure(e));
          return;
        }
        try {
          again.execute(() -> pass(def, caller, args, requestKey, again, done, granted));
        } catch (java.util.concurrent.RejectedExecutionException full) {
          done.accept(null, FunctionException.overloaded(
              "too many calls are waiting; try again shortly"));
        }
      });
      return;
    } catch (RuntimeException e) {
      done.accept(null, e);
      return;
    }
    done.accept(result, null);
  }

  private Result invoke(FunctionDefinition called, Caller caller, JsonNode args,
      java.util.Optional<String> requestKey, java.util.function.Consumer<Call> started,
      java.util.Map<String, Integer> admitted) {
    FunctionDefinition def = select(called, args);
    Call call = new Call(caller, new Args(args), clock.millis(), requestKey, admitted);
    started.accept(call);
    JsonNode value = run(def, call);
    return new Result(value == null ? NullNode.getInstance() : value, call.reads());
  }

  /**
   * Runs the function at {@code path} from inside {@code outer}'s body, with other arguments:
   * what a drop-in shape does to serve a call through the function it stands for. Arguments and
   * access are checked as for any call; the caller, time, request key and the reads are {@code
   * outer}'s.
   *
   * @throws FunctionException as the function would
   */
  public JsonNode delegate(Call outer, String path, JsonNode args) {
    FunctionDefinition def = resolve(path, Optional.empty(), args);
    JsonNode value = run(def, outer.with(new Args(args)));
    return value == null ? NullNode.getInstance() : value;
  }

  private JsonNode run(FunctionDefinition def, Call call) {
    Caller caller = call.caller();
    JsonNode args = call.args().raw();
    def.args().check(args, "");
    switch (def.access()) {
      case BACKEND:
        if (!caller.trusted()) {
          throw FunctionException.forbidden(def.path() + " may only be called by the app's backend "
              + "(Authorization: Convex <admin key>)");
        }
        break;
      case USER:
        if (!caller.trusted() && caller.userId().isEmpty()) {
          throw FunctionException.unauthenticated(def.path()
              + " needs a signed-in user (Authorization: Bearer <JWT>)");
        }
        break;
      case PUBLIC:
      default:
        break;
    }
    return def.body().run(call);
  }
}
