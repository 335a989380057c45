package dev.beacon.server.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium from the distribution ({@code /usr/bin/chromium} driven by {@code
 * /usr/bin/chromedriver}; override with {@code -Dbeacon.chromium=} and {@code
 * -Dbeacon.chromedriver=}), one fresh profile per browser so each is its own user. Both paths are
 * given explicitly, so Selenium Manager never looks for (or downloads) a browser or driver.
 * Screenshots go to {@code target/screenshots}.
 */
final class Browsers implements AutoCloseable {

  static final Path CHROMIUM = Path.of(System.getProperty("beacon.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getProperty("beacon.chromedriver", "/usr/bin/chromedriver"));
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final Duration PATIENCE = Duration.ofSeconds(30);

  static {
    // Selenium looks for DevTools bindings matching the browser's version; these tests use none
    java.util.logging.Logger.getLogger("org.openqa.selenium.devtools").setLevel(java.util.logging.Level.SEVERE);
  }

  private final List<WebDriver> open = new ArrayList<>();
  private final List<Path> profiles = new ArrayList<>();

  Browsers() {
    for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException("The browser tests need " + p + ": install Debian's "
            + "Chromium with 'apt-get install -y chromium chromium-driver' (.ci/run does this), or "
            + "point -Dbeacon.chromium and -Dbeacon.chromedriver at a Chromium and its driver");
      }
    }
    try {
      Files.createDirectories(SCREENSHOTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new browser with its own profile, at {@code url}. */
  WebDriver open(String url) {
    Path profile;
    try {
      profile = Files.createTempDirectory("beacon-chromium");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    profiles.add(profile);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--disable-default-apps", "--mute-audio", "--password-store=basic",
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows", "--window-size=1280,860",
        "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    open.add(driver);
    driver.get(url);
    return driver;
  }

  /** Waits for {@code condition}; on timeout, screenshots every open browser and says what it waited for. */
  <T> T waitFor(WebDriver driver, String what, Function<WebDriver, T> condition) {
    return waitFor(driver, what, PATIENCE, condition);
  }

  <T> T waitFor(WebDriver driver, String what, Duration patience, Function<WebDriver, T> condition) {
    try {
      // a live page re-renders what a condition reads: an element replaced meanwhile is read
      // again on the next poll
      return new WebDriverWait(driver, patience, Duration.ofMillis(100))
          .ignoring(StaleElementReferenceException.class)
          .until(condition);
    } catch (TimeoutException e) {
      screenshotAll("failed");
      throw new AssertionError("waited " + patience.toSeconds() + " s for " + what
          + " (screenshots in " + SCREENSHOTS.toAbsolutePath() + ")", e);
    }
  }

  /** Saves a PNG of what the browser shows. */
  void screenshot(WebDriver driver, String name) {
    try {
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      System.err.println("could not save screenshot " + name + ": " + e);
    }
  }

  private void screenshotAll(String prefix) {
    for (int i = 0; i < open.size(); i++) {
      screenshot(open.get(i), prefix + "-browser-" + i);
    }
  }

  /** Closes one browser, as a person closes the window. */
  void close(WebDriver driver) {
    open.remove(driver);
    driver.quit();
  }

  @Override
  public void close() {
    for (WebDriver driver : open) {
      try {
        driver.quit();
      } catch (RuntimeException e) {
        // already gone
      }
    }
    open.clear();
    for (Path profile : profiles) {
      deleteQuietly(profile);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temp folder; the OS cleans it
    }
  }
}
