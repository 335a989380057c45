package dev.beacon.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloseStackTest {

  @Test
  void closesTheLastRegisteredFirstAndEachOnce() {
    List<String> closed = new ArrayList<>();
    CloseStack stack = new CloseStack();
    String a = stack.push("a", "resource a", r -> closed.add(r));
    stack.push("b", () -> closed.add("b"));
    stack.push("c", () -> closed.add("c"));
    assertThat(a).isEqualTo("resource a");
    assertThat(stack.names()).containsExactly("c", "b", "a");
    stack.close();
    stack.close();
    assertThat(closed).containsExactly("c", "b", "resource a");
    assertThat(stack.names()).isEmpty();
  }

  @Test
  void aResourceThatFailsToCloseDoesNotKeepTheOthersOpen() {
    List<String> closed = new ArrayList<>();
    CloseStack stack = new CloseStack();
    stack.push("first", () -> closed.add("first"));
    stack.push("broken", () -> {
      throw new IllegalStateException("cannot close");
    });
    stack.push("checked", () -> {
      throw new java.io.IOException("disk gone");
    });
    stack.push("last", () -> closed.add("last"));
    stack.close();
    assertThat(closed).containsExactly("last", "first");
  }

  @Test
  void aResourceRegisteredAfterTheCloseIsClosedAtOnce() {
    List<String> closed = new ArrayList<>();
    CloseStack stack = new CloseStack();
    stack.close();
    stack.push("late", () -> closed.add("late"));
    assertThat(closed).containsExactly("late");
  }
}
