package dev.beacon.core.hub;

import java.util.List;

/** All the lanes of a server, indexed from 0. */
public final class Lanes {

  private final Lane[] lanes;

  public Lanes(List<Lane> lanes) {
    if (lanes.isEmpty()) {
      throw new IllegalArgumentException("a server needs at least one lane");
    }
    this.lanes = lanes.toArray(new Lane[0]);
    for (int i = 0; i < this.lanes.length; i++) {
      if (this.lanes[i].index() != i) {
        throw new IllegalArgumentException("lane " + i + " has index " + this.lanes[i].index());
      }
    }
  }

  public int size() {
    return lanes.length;
  }

  public Lane get(int index) {
    return lanes[index];
  }

  /** Runs {@code task} once on every lane. */
  public void onEach(java.util.function.Consumer<Lane> task) {
    for (Lane lane : lanes) {
      lane.submitControl(() -> task.accept(lane));
    }
  }
}
