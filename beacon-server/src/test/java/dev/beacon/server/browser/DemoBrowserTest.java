package dev.beacon.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The demo page and the dashboard in real browsers (headless Chromium), as a newcomer would use
 * them: Alice and Bob each in their own browser in the same room, an operator watching the
 * dashboard. The steps run in order, each building on the last, against one server started with
 * a 2-second typing expiry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoBrowserTest {

  @RegisterExtension
  final StopAfterFirstFailure story = new StopAfterFirstFailure();

  private Map<String, String> env;
  private BeaconServer server;
  private String base;
  private Browsers browsers;
  private WebDriver dashboard;
  private WebDriver alice;
  private WebDriver bob;
  private int connectionsBefore;

  @BeforeAll
  void start() throws Exception {
    env = new HashMap<>();
    env.put("BEACON_APPS_0_TYPING_TTL_SECONDS", "2");
    env.put("BEACON_APPS_0_MESSAGES_PER_SECOND", "1000");
    env.put("BEACON_DATA_DIR", Files.createTempDirectory("beacon-browser").toString());
    server = TestServers.start(env);
    base = "http://127.0.0.1:" + server.port();
    browsers = new Browsers();
  }

  @AfterAll
  void stop() {
    if (browsers != null) {
      browsers.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  // ------------------------------------------------------------------ helpers

  private static String text(WebDriver driver, String css) {
    List<WebElement> found = driver.findElements(By.cssSelector(css));
    return found.isEmpty() ? "" : found.get(0).getText().trim();
  }

  private static boolean present(WebDriver driver, String css) {
    return !driver.findElements(By.cssSelector(css)).isEmpty();
  }

  private int dashboardConnections() {
    String value = text(dashboard, "#stat-connections");
    return value.matches("\\d+") ? Integer.parseInt(value) : -1;
  }

  private WebDriver join(String name) {
    WebDriver driver = browsers.open(base + "/demo/");
    browsers.waitFor(driver, "the join form", d -> present(d, "#join-name"));
    driver.findElement(By.id("join-name")).sendKeys(name);
    // the room, with this user in it, is there when the click returns: nothing waits for the
    // server first (the first Join on a fresh server used to show nothing for a while)
    Object shownAtOnce = ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
        "document.getElementById('join-button').click();"
            + "return !document.getElementById('room').hidden"
            + "  && document.querySelector(\"#members li[data-user='\" + arguments[0] + \"']\") !== null"
            + "  && document.querySelector(\"#facepile .face[data-user='\" + arguments[0] + \"']\") !== null;",
        name);
    assertThat(shownAtOnce).as("the room shown with " + name + " in it as Join is pressed").isEqualTo(true);
    browsers.waitFor(driver, name + " to be in the room",
        d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-joined")));
    return driver;
  }

  // ------------------------------------------------------------------ the story

  @Test
  @Order(1)
  void theDashboardCountsTheTwoDemoWindowsAsConnections() {
    dashboard = browsers.open(base + "/dashboard/");
    browsers.waitFor(dashboard, "the dashboard's first numbers", d -> dashboardConnections() >= 0);
    connectionsBefore = dashboardConnections();

    alice = join("Alice");
    bob = join("Bob");

    browsers.waitFor(dashboard, "two more connections on the dashboard (from " + connectionsBefore + ")",
        d -> dashboardConnections() == connectionsBefore + 2);
    browsers.waitFor(dashboard, "Alice's and Bob's subscriptions in the event console",
        d -> text(d, "#console").contains("presence-room-lobby"));
    browsers.screenshot(dashboard, "dashboard-two-users");
  }

  @Test
  @Order(2)
  void bobSeesAliceInTheRoom() {
    browsers.waitFor(bob, "Alice online in Bob's face pile",
        d -> present(d, "#facepile .face[data-user='Alice'][data-online='true']"));
    browsers.waitFor(alice, "Bob online in Alice's face pile",
        d -> present(d, "#facepile .face[data-user='Bob'][data-online='true']"));
    browsers.waitFor(bob, "'Alice joined #lobby' in Bob's friend activity",
        d -> text(d, "#activity li[data-user='Alice'][data-type='joined']").contains("Alice joined #lobby"));
  }

  @Test
  @Order(3)
  void bobSeesAliceStepAwayWithAMessage() {
    alice.findElement(By.id("status-message")).sendKeys("back in 5");
    new org.openqa.selenium.support.ui.Select(alice.findElement(By.id("status"))).selectByValue("away");
    browsers.waitFor(bob, "Alice away with her message in Bob's member list",
        d -> text(d, "#members li[data-user='Alice'] .status-line").equals("away — “back in 5”"));
    browsers.waitFor(bob, "Alice's status in Bob's friend activity",
        d -> text(d, "#activity li[data-user='Alice'][data-type='status']").contains("is away: “back in 5”"));
    // pressing Set for the status already chosen tells no one twice
    alice.findElement(By.cssSelector("#status-form button[type='submit']")).click();
    // appearing offline with her message still typed: friends learn "offline" and nothing more
    new org.openqa.selenium.support.ui.Select(alice.findElement(By.id("status"))).selectByValue("offline");
    browsers.waitFor(bob, "Alice greyed out in Bob's face pile while she appears offline",
        d -> present(d, "#facepile .face[data-user='Alice'][data-online='false']")
            && text(d, "#members li[data-user='Alice'] .status-line").equals("offline"));
    browsers.waitFor(bob, "'Alice is offline' in Bob's friend activity",
        d -> text(d, "#activity li[data-user='Alice'][data-type='status']").contains("Alice is offline"));
    assertThat(text(bob, "#activity")).as("her message while she appears offline")
        .doesNotContain("is offline: ").contains("Alice is offline");
    alice.findElement(By.id("status-message")).clear();
    new org.openqa.selenium.support.ui.Select(alice.findElement(By.id("status"))).selectByValue("online");
    browsers.waitFor(bob, "Alice online again", d -> text(d, "#members li[data-user='Alice'] .status-line").equals("online")
        && present(d, "#facepile .face[data-user='Alice'][data-online='true']"));
    browsers.waitFor(bob, "Alice's return in Bob's friend activity",
        d -> text(d, "#activity").contains("Alice is online"));
    // read the feed in one call: its items are re-rendered as activity arrives, so references to
    // them go stale between a lookup and a read
    assertThat(text(bob, "#activity").split("Alice is away", -1).length - 1).as("'away' told once")
        .isEqualTo(1);
  }

  /** How often {@code phrase} occurs in a page's friend activity, read in one call. */
  private static int told(WebDriver driver, String phrase) {
    return text(driver, "#activity").split(java.util.regex.Pattern.quote(phrase), -1).length - 1;
  }

  @Test
  @Order(4)
  void aSecondWindowOfBobAddsNoSecondJoinedAndHisStatusDropdownSubmitsOnce() {
    browsers.waitFor(alice, "'Bob joined #lobby' in Alice's friend activity",
        d -> told(d, "Bob joined #lobby") == 1);
    WebDriver bobAgain = join("Bob");
    // choosing a status in the dropdown submits it: members and friends see it
    new org.openqa.selenium.support.ui.Select(bobAgain.findElement(By.id("status"))).selectByValue("away");
    browsers.waitFor(alice, "'Bob is away' (from his second window) in Alice's friend activity",
        d -> told(d, "Bob is away") == 1);
    // the second window's joining would have been recorded by the same client before its status
    assertThat(told(alice, "Bob joined #lobby")).as("'Bob joined' told once").isEqualTo(1);
    // a message added to the status just chosen: members see it, friends are not told again
    bobAgain.findElement(By.id("status-message")).sendKeys("lunch");
    bobAgain.findElement(By.cssSelector("#status-form button[type='submit']")).click();
    browsers.waitFor(alice, "Bob away with his message in Alice's member list",
        d -> text(d, "#members li[data-user='Bob'] .status-line").equals("away — “lunch”"));
    bobAgain.findElement(By.id("status-message")).clear();
    new org.openqa.selenium.support.ui.Select(bobAgain.findElement(By.id("status"))).selectByValue("online");
    // a marker through the same client: anything recorded before it has arrived
    browsers.waitFor(alice, "'Bob is online' in Alice's friend activity",
        d -> told(d, "Bob is online") == 1);
    assertThat(told(alice, "Bob is away")).as("the dropdown's change and Set told once").isEqualTo(1);
    browsers.close(bobAgain);
    browsers.waitFor(dashboard, "Bob's second window gone from the dashboard",
        d -> dashboardConnections() == connectionsBefore + 2);
    browsers.waitFor(alice, "Bob still in the room with his first window",
        d -> present(d, "#members li[data-user='Bob'][data-online='true']"));
  }

  @Test
  @Order(5)
  void aFriendWithA32CharacterNameFitsBobsActivityCard() throws Exception {
    String name = "Bartholomew_Montgomery-Fairfax32";
    assertThat(name).hasSize(32);
    backend("friends:add", "{\"userId\":\"Bob\",\"friendId\":\"" + name + "\"}");
    backend("friendActivity:recordActivity", "{\"userId\":\"" + name
        + "\",\"type\":\"joined\",\"data\":{\"roomId\":\"lobby\"}}");
    String item = "#activity li[data-user='" + name + "']";
    browsers.waitFor(bob, "the long name in Bob's friend activity", d -> present(d, item));
    Object overflow = ((org.openqa.selenium.JavascriptExecutor) bob).executeScript(
        "const card = document.querySelector('aside.activity');"
            + "const item = document.querySelector(arguments[0]);"
            + "const c = card.getBoundingClientRect(), i = item.getBoundingClientRect();"
            + "return { cardOverflows: card.scrollWidth > card.clientWidth,"
            + "  itemRight: i.right, cardRight: c.right };", item);
    @SuppressWarnings("unchecked")
    Map<String, Object> box = (Map<String, Object>) overflow;
    assertThat(box.get("cardOverflows")).as("the card scrolls sideways").isEqualTo(false);
    assertThat(((Number) box.get("itemRight")).doubleValue()).as("the item's right edge")
        .isLessThanOrEqualTo(((Number) box.get("cardRight")).doubleValue());
    browsers.screenshot(bob, "bob-long-name-activity");
  }

  @Test
  @Order(6)
  void theDemoHasAFavicon() {
    Object answer = ((org.openqa.selenium.JavascriptExecutor) bob).executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "fetch('/favicon.ico').then(r => r.arrayBuffer().then(b => done(r.status + ' '"
            + "  + r.headers.get('content-type') + ' ' + Array.from(new Uint8Array(b).slice(0, 4)).join(','))))"
            + ".catch(e => done(String(e)));");
    // an ICO file: reserved 0, type 1
    assertThat(answer).isEqualTo("200 image/x-icon 0,0,1,0");
  }

  @Test
  @Order(7)
  void theFacePileShowsFiveFacesOnlineFirstThenACountAndWhenTheOthersLeft() throws Exception {
    List<String> guests = List.of("Carol", "Dave", "Erin", "Frank", "Grace");
    for (String guest : guests) {
      backend("rooms:heartbeat", "{\"roomId\":\"lobby\",\"userId\":\"" + guest + "\"}");
    }
    browsers.waitFor(bob, "five faces and '+2' in Bob's face pile",
        d -> d.findElements(By.cssSelector("#facepile .face[data-user]")).size() == 5
            && text(d, "#facepile .face.more").equals("+2"));
    browsers.screenshot(bob, "bob-face-pile-seven");
    for (String guest : guests) {
      backend("rooms:leave", "{\"roomId\":\"lobby\",\"userId\":\"" + guest + "\"}");
    }
    browsers.waitFor(bob, "the guests listed as gone, after Alice and Bob",
        d -> present(d, "#members li[data-user='Grace'][data-online='false']")
            && d.findElements(By.cssSelector("#facepile .face[data-user]")).get(0).getDomAttribute("data-online").equals("true")
            && d.findElements(By.cssSelector("#facepile .face[data-user]")).get(1).getDomAttribute("data-online").equals("true")
            && text(d, "#members li[data-user='Grace'] .status-line").startsWith("left · last seen"));
  }

  /** Calls a function as the app's backend, as an app's server would. */
  private String vapidKey() {
    try {
      var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
          .newBuilder(java.net.URI.create(base + "/push/vapid-public-key")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return dev.beacon.protocol.json.Json.parse(response.body()).get("publicKey").asText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void backend(String path, String argsJson) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(base + "/api/mutation"))
        .header("Authorization", "Convex app-secret")
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"path\":\"" + path + "\",\"args\":" + argsJson + ",\"format\":\"json\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.body()).contains("\"status\":\"success\"");
  }

  @Test
  @Order(8)
  void bobSeesAliceTypingUntilSheStops() {
    alice.findElement(By.id("message-input")).sendKeys("Hel");
    browsers.waitFor(bob, "'Alice is typing…' for Bob", d -> text(d, "#typing").equals("Alice is typing…"));
    browsers.screenshot(bob, "bob-sees-alice-typing");
    // Alice stops: the page stops typing after a pause, and the server would expire it anyway
    browsers.waitFor(bob, "the typing line to clear for Bob", d -> text(d, "#typing").isEmpty());
    alice.findElement(By.id("message-input")).clear();
  }

  @Test
  @Order(9)
  void aWaveRaisesBobsBellAndMarkAllReadClearsIt() {
    browsers.waitFor(alice, "Bob's wave button", d -> present(d, "#members li[data-user='Bob'] button.wave"));
    alice.findElement(By.cssSelector("#members li[data-user='Bob'] button.wave")).click();
    browsers.waitFor(bob, "Bob's bell to count 1", d -> text(d, "#bell-count").equals("1"));
    browsers.screenshot(bob, "bob-bell-one");
    bob.findElement(By.id("bell")).click();
    browsers.waitFor(bob, "Alice's wave in Bob's notifications",
        d -> text(d, "#notification-list").contains("Alice waved at you"));
    browsers.screenshot(bob, "bob-notification");
    // browser push: the page registered its service worker and holds the app's VAPID key (a real
    // subscription needs the browser vendor's push service, which the test machine cannot reach)
    browsers.waitFor(bob, "the service worker ready with the VAPID key", d -> "ready".equals(
        d.findElement(By.id("push-status")).getDomAttribute("data-state")));
    assertThat(bob.findElement(By.id("push-status")).getDomAttribute("data-vapid-key"))
        .isEqualTo(vapidKey());
    assertThat(text(bob, "#push-status")).startsWith("Service worker ready; VAPID key");
    bob.findElement(By.id("mark-all-read")).click();
    browsers.waitFor(bob, "Bob's bell to go back to zero",
        d -> "0".equals(d.findElement(By.id("bell")).getDomAttribute("data-unread"))
            && !d.findElement(By.id("bell-count")).isDisplayed());
    bob.findElement(By.id("bell")).click();
  }

  @Test
  @Order(10)
  void aliceSeesThatBobReadHerMessage() {
    alice.findElement(By.id("message-input")).sendKeys("Hello Bob", Keys.ENTER);
    browsers.waitFor(bob, "Alice's message at Bob's",
        d -> text(d, "#messages li[data-from='Alice'] .text").equals("Hello Bob"));
    browsers.waitFor(alice, "'Seen by Bob' under Alice's message",
        d -> text(d, "#messages li.mine .seen-by").equals("Seen by Bob"));
    browsers.screenshot(alice, "alice-seen-by-bob");
    browsers.waitFor(dashboard, "Alice's message in the dashboard's event console",
        d -> text(d, "#console").contains("messages:send"));
    browsers.screenshot(bob, "bob-reads-alice");
  }

  /** The seq of each message on a page, in the order shown. */
  @SuppressWarnings("unchecked")
  private static List<Long> seqs(WebDriver driver) {
    return ((List<Object>) ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
        "return [...document.querySelectorAll('#messages li[data-seq]')].map(li => Number(li.dataset.seq));"))
        .stream().map(o -> ((Number) o).longValue()).toList();
  }

  @Test
  @Order(11)
  void bobsReloadKeepsTheHistoryAndHePagesBackToTheFirstMessage() throws Exception {
    // 40 more messages, stored by the backend for the room mates: more than one page
    for (int i = 1; i <= 40; i++) {
      backend("messages:add", "{\"conversationId\":\"lobby\",\"userId\":\"Alice\",\"content\":\"history "
          + i + "\"}");
    }
    browsers.waitFor(bob, "the 40th message live at Bob's",
        d -> text(d, "#messages").contains("history 40"));
    bob.navigate().refresh();
    browsers.waitFor(bob, "Bob back in the room after a reload",
        d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-joined")));
    browsers.waitFor(bob, "the newest page after the reload, with older ones to load",
        d -> text(d, "#messages").contains("history 40") && d.findElement(By.id("load-older")).isDisplayed());
    assertThat(text(bob, "#messages")).as("only the newest page at first").doesNotContain("Hello Bob");
    while (bob.findElement(By.id("load-older")).isDisplayed()) {
      int before = seqs(bob).size();
      bob.findElement(By.id("load-older")).click();
      browsers.waitFor(bob, "an older page", d -> seqs(d).size() > before || !d.findElement(By.id("load-older")).isDisplayed());
    }
    List<Long> seqs = seqs(bob);
    assertThat(seqs).as("every message once, in order, back to the first").hasSize(41).isSorted();
    assertThat(seqs.get(0)).isEqualTo(1);
    assertThat(text(bob, "#messages li[data-seq='1'] .text")).isEqualTo("Hello Bob");
    browsers.screenshot(bob, "bob-history-paged-back");
  }

  @Test
  @Order(12)
  void bobSeesAnUnreadBadgeWhileScrolledUpAndReadingClearsIt() {
    // Bob reads history at the top of the list: what Alice says now is unread
    ((org.openqa.selenium.JavascriptExecutor) bob).executeScript(
        "document.getElementById('messages').scrollTop = 0;");
    alice.findElement(By.id("message-input")).sendKeys("Are you there?", Keys.ENTER);
    browsers.waitFor(bob, "'1 unread' on Bob's badge",
        d -> "1".equals(d.findElement(By.id("unread")).getDomAttribute("data-unread"))
            && d.findElement(By.id("unread")).isDisplayed());
    assertThat(text(bob, "#unread")).isEqualTo("1 unread ↓");
    assertThat(bob.getTitle()).startsWith("(1) Bob");
    browsers.screenshot(bob, "bob-unread-badge");
    bob.findElement(By.id("unread")).click();
    browsers.waitFor(bob, "the badge gone once Bob has read it",
        d -> "0".equals(d.findElement(By.id("unread")).getDomAttribute("data-unread"))
            && !d.findElement(By.id("unread")).isDisplayed());
    browsers.waitFor(alice, "'Seen by Bob' under Alice's question",
        d -> text(d, "#messages li.mine:last-child .seen-by").equals("Seen by Bob"));
  }

  @Test
  @Order(13)
  void aStreamedReplyGrowsTokenByTokenOnBothPagesUntilDone() {
    alice.findElement(By.id("stream-reply")).click();
    String reply = "#messages li[data-role='assistant']";
    browsers.waitFor(bob, "the assistant's reply streaming at Bob's",
        d -> present(d, reply + "[data-status='streaming']"));
    // watch it grow: several lengths while it streams, each extending the last
    List<String> seen = new java.util.ArrayList<>();
    browsers.waitFor(bob, "the reply done at Bob's", java.time.Duration.ofSeconds(30), d -> {
      String t = text(d, reply + " .text");
      if (!t.isEmpty() && (seen.isEmpty() || !seen.get(seen.size() - 1).equals(t))) {
        seen.add(t);
      }
      return present(d, reply + "[data-status='done']");
    });
    assertThat(seen.size()).as("distinct texts seen while it streamed: " + seen.size()).isGreaterThan(3);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)).startsWith(seen.get(i - 1));
    }
    String done = text(bob, reply + " .text");
    assertThat(done).startsWith("Here is a reply streamed by the server").endsWith("marks the message done.");
    browsers.waitFor(alice, "the same reply done at Alice's",
        d -> text(d, reply + "[data-status='done'] .text").equals(done));
    browsers.screenshot(bob, "bob-streamed-reply");
  }

  @Test
  @Order(14)
  void bobSeesAliceLeaveWhenSheClosesHerWindow() {
    browsers.close(alice);
    browsers.waitFor(bob, "Alice to have left Bob's room",
        d -> present(d, "#members li[data-user='Alice'][data-online='false']"));
    assertThat(text(bob, "#members li[data-user='Alice'] .status-line")).startsWith("left · last seen");
    browsers.waitFor(dashboard, "one connection fewer on the dashboard",
        d -> dashboardConnections() == connectionsBefore + 1);
    browsers.waitFor(dashboard, "Alice's closing connection leaving the room in the event console",
        d -> text(d, "#console").contains("member Alice removed"));
    browsers.screenshot(bob, "bob-after-alice-left");
  }

  @Test
  @Order(15)
  void bobIsToldWhileTheServerIsAwayAndSeesItComeBack() throws Exception {
    int port = server.port();
    server.stop();
    browsers.waitFor(bob, "the 'Reconnecting…' banner", d -> d.findElement(By.id("banner")).isDisplayed());
    assertThat(text(bob, "#banner")).isEqualTo("Reconnecting…");
    browsers.screenshot(bob, "bob-reconnecting");
    Map<String, String> again = new HashMap<>(env);
    again.put("BEACON_PORT", Integer.toString(port));
    server = TestServers.start(again);
    // both clients back off between attempts while the server is away (pusher-js up to ~15 s)
    browsers.waitFor(bob, "the banner to go once both clients are back", java.time.Duration.ofSeconds(60),
        d -> !d.findElement(By.id("banner")).isDisplayed());
    browsers.waitFor(bob, "Bob back in the room after the restart",
        d -> present(d, "#facepile .face[data-user='Bob'][data-online='true']"));
  }
}
