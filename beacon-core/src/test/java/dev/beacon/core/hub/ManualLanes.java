package dev.beacon.core.hub;

import dev.beacon.core.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Lanes whose tasks run only when the test says so, on the test's thread: the thread that made
 * them is every lane's thread, so lane-confined code called from another thread fails its
 * assertion.
 */
public final class ManualLanes {

  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private final Lanes lanes;

  public ManualLanes(int count, Clock clock, int maxPending) {
    List<Lane> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(new Lane(i, LaneExecutor.on(Thread.currentThread(), queue::add), clock, maxPending));
    }
    this.lanes = new Lanes(list);
  }

  public Lanes lanes() {
    return lanes;
  }

  public Lane lane(int i) {
    return lanes.get(i);
  }

  /** Runs queued work until none is left. */
  public void runAll() {
    Runnable r;
    while ((r = queue.poll()) != null) {
      r.run();
    }
  }

  /** Advances every lane's timers to the clock's time. */
  public void tick() {
    for (int i = 0; i < lanes.size(); i++) {
      lanes.get(i).tick();
    }
    runAll();
  }
}
