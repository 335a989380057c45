package dev.beacon.bench.scenario;

import dev.beacon.bench.config.ScenarioKind;
import dev.beacon.bench.report.Metric;
import java.util.List;

/** One kind of measurement, run against one server at a time. */
public interface Scenario {

  /** Runs the scenario against the context's server and returns what it measured. */
  List<Metric> run(RunContext ctx) throws Exception;

  static Scenario of(ScenarioKind kind) {
    return switch (kind) {
      case IDLE -> new IdleScenario();
      case FANOUT -> new FanoutScenario();
      case ROOMS -> new RoomsScenario();
      case CHURN -> new ChurnScenario();
      case CONNECT -> new ConnectScenario();
      case LIVE -> new LiveScenario();
      case HEARTBEAT -> new HeartbeatScenario();
      case CLUSTER -> new ClusterScenario();
      case MESSAGES -> new MessagesScenario();
      case STREAM -> new StreamScenario();
    };
  }
}
