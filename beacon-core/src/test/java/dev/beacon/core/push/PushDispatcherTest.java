package dev.beacon.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.app.PushSettings;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.outbox.PushIntent;
import dev.beacon.core.time.ManualClock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's decisions on a manual clock, with the store in memory and the service's
 * answers scripted: when a push is tried again, given up, or its device removed.
 */
class PushDispatcherTest {

  final ManualClock clock = new ManualClock(1_000_000);
  final App app = App.builder("a", "k", "s").push(new PushSettings(PushSettings.When.OFFLINE, 60,
      1000, Optional.of(new PushSettings.Web("pub", "priv", "mailto:x@example.com")),
      Optional.empty(), Optional.empty(), false)).build();
  final MemoryStore store = new MemoryStore();
  final List<Delivery> answers = new ArrayList<>();
  final List<String> log = new ArrayList<>();
  final PushDispatcher dispatcher = new PushDispatcher(Apps.of(List.of(app)), store,
      (a, e) -> {
        log.add(e.messageId() + "@" + clock.millis());
        return CompletableFuture.completedFuture(answers.remove(0));
      }, PushMetrics.NONE, clock, Runnable::run, 8, 45_000, 30_000);

  final Device phone = new Device("d1", "ann", DeviceKind.WEB, "https://push.example/1", "p", "a", 0);

  void queue(String messageId) {
    store.devices.put(phone.id(), phone);
    store.rows.put(messageId, new Row(new OutboxEntry("a", messageId, phone,
        new PushContent("t", "", "null", ""), clock.millis(), clock.millis() + 60_000, 0), clock.millis(), 0));
  }

  @Test
  void aRetryWaitsForTheServicesRetryAfterWhenItIsLongerThanTheBackoff() {
    queue("m1");
    answers.add(new Delivery.Retry(OptionalLong.of(20_000), "429"));
    answers.add(new Delivery.Delivered());
    assertThat(dispatcher.dispatchDue()).isEqualTo(1);
    assertThat(store.rows.get("m1").nextAt()).isEqualTo(clock.millis() + 20_000);
    clock.advance(19_999);
    assertThat(dispatcher.dispatchDue()).isZero();
    clock.advance(1);
    assertThat(dispatcher.dispatchDue()).isEqualTo(1);
    assertThat(store.rows).isEmpty();
    assertThat(log).containsExactly("m1@1000000", "m1@1020000");
  }

  @Test
  void retriesBackOffExponentiallyAndStopAtTheTtl() {
    queue("m1");
    for (int i = 0; i < 20; i++) {
      answers.add(Delivery.retry("503"));
    }
    List<Long> sends = new ArrayList<>();
    while (!store.rows.isEmpty()) {
      if (dispatcher.dispatchDue() > 0) {
        sends.add(clock.millis());
      }
      store.rows.values().stream().findFirst().ifPresent(r -> clock.advance(r.nextAt() - clock.millis()));
    }
    // 1 s, 2 s, 4 s, 8 s ... each less up to a fifth at random; none after the 60 s TTL
    for (int i = 1; i < sends.size(); i++) {
      long gap = sends.get(i) - sends.get(i - 1);
      long base = 1000L << (i - 1);
      assertThat(gap).isBetween(base - base / 5, base);
    }
    assertThat(sends.size()).isBetween(6, 7);
    assertThat(sends.get(sends.size() - 1)).isLessThan(1_000_000 + 60_000);
  }

  @Test
  void aDeadRegistrationIsRemovedAndARefusalIsDroppedWithoutRetry() {
    queue("m1");
    answers.add(new Delivery.Gone("410"));
    dispatcher.dispatchDue();
    assertThat(store.devices).isEmpty();
    queue("m2");
    answers.add(new Delivery.Rejected("400"));
    dispatcher.dispatchDue();
    assertThat(store.rows).isEmpty();
    assertThat(store.devices).containsKey("d1");
  }

  @Test
  void aPushPastItsTtlIsNotSent() {
    queue("m1");
    clock.advance(60_000);
    dispatcher.dispatchDue();
    assertThat(log).isEmpty();
    assertThat(store.rows).isEmpty();
  }

  @Test
  void thePolicyPushesOfflineUsersWithinTheirRateAndAlwaysWhenAsked() {
    java.util.Set<String> online = new java.util.HashSet<>(List.of("bob"));
    PushPolicy policy = new PushPolicy((appId, user) -> online.contains(user));
    PushContent c = new PushContent("t", "", "null", "");
    assertThat(policy.intent(app, "bob", "m", c, 0)).isEmpty();
    assertThat(policy.intent(app, "ann", "m", c, 0)).get().extracting(PushIntent::expiresAt)
        .isEqualTo(60_000L);
    App always = app.toBuilder().push(new PushSettings(PushSettings.When.ALWAYS, 60, 2,
        app.push().web(), Optional.empty(), Optional.empty(), false)).build();
    assertThat(policy.intent(always, "bob", "m", c, 0)).isPresent();
    assertThat(policy.intent(always, "bob", "m", c, 0)).isPresent();
    assertThat(policy.intent(always, "bob", "m", c, 0)).as("2 a minute").isEmpty();
    assertThat(policy.intent(always, "bob", "m", c, 30_000)).as("one more after half a minute")
        .isPresent();
    App none = app.toBuilder().push(PushSettings.NONE).build();
    assertThat(policy.intent(none, "ann", "m", c, 0)).isEmpty();
  }

  record Row(OutboxEntry entry, long nextAt, long claimedUntil) {}

  /** The outbox in memory, one device, rows by message id. */
  static final class MemoryStore implements PushStore {
    final Map<String, Device> devices = new LinkedHashMap<>();
    final Map<String, Row> rows = new LinkedHashMap<>();

    @Override
    public Device register(String appId, Device device, int maxPerUser) {
      devices.put(device.id(), device);
      return device;
    }

    @Override
    public boolean unregister(String appId, String userId, String idOrAddress) {
      return devices.remove(idOrAddress) != null;
    }

    @Override
    public List<Device> devices(String appId, String userId) {
      return new ArrayList<>(devices.values());
    }

    @Override
    public int enqueue(String appId, PushIntent intent, Optional<String> requestKey) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<OutboxEntry> claimDue(long now, int limit, long claimUntil) {
      List<OutboxEntry> out = new ArrayList<>();
      for (Map.Entry<String, Row> e : rows.entrySet()) {
        Row r = e.getValue();
        if (r.nextAt() <= now && r.claimedUntil() <= now && out.size() < limit) {
          e.setValue(new Row(r.entry(), r.nextAt(), claimUntil));
          out.add(r.entry());
        }
      }
      return out;
    }

    @Override
    public void delivered(OutboxEntry entry) {
      rows.remove(entry.messageId());
    }

    @Override
    public void retryAt(OutboxEntry entry, long at) {
      OutboxEntry e = entry;
      rows.put(e.messageId(), new Row(new OutboxEntry(e.appId(), e.messageId(), e.device(),
          e.content(), e.createdAt(), e.expiresAt(), e.attempts() + 1), at, 0));
    }

    @Override
    public void drop(OutboxEntry entry) {
      rows.remove(entry.messageId());
    }

    @Override
    public void removeDevice(String appId, String deviceId) {
      devices.remove(deviceId);
      rows.values().removeIf(r -> r.entry().device().id().equals(deviceId));
    }

    @Override
    public long pending() {
      return rows.size();
    }

    @Override
    public Optional<Long> nextDue(long now) {
      return rows.values().stream().map(Row::nextAt).min(Long::compare);
    }

    @Override
    public void releaseClaims() {}
  }
}
