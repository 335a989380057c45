package dev.beacon.core.store;

import java.util.List;
import java.util.Optional;

/** A page of results, newest first, and the cursor to continue after it (absent at the end). */
public record Page<T>(List<T> items, Optional<String> continueCursor) {

  public Page {
    items = List.copyOf(items);
  }
}
