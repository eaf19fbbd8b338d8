package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The operator's console in Debian's Chromium, driven by Selenium through Debian's chromedriver,
 * against the whole pipeline as {@code ./mailpipe up} starts it: the administrator logs in, sees
 * delivery-service stopped with its mail waiting in the diagram, watches the lag fall to 0 once it
 * runs again, and flushes a deferred message from the page, which the remote MX then receives long
 * before its retry would have come (the first retry waits 10 minutes here). Screenshots of the
 * console go to {@code target/failsafe-reports/}.
 */
@Tag("e2e")
class ConsoleIT {
    private static final Pattern QUEUED = Pattern.compile("queued as (\\S+)");
    private static final Path REPORTS = Path.of("target", "failsafe-reports");

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void anOperatorSeesAStoppedStageCatchUpAndFlushesDeferredMailFromThePage() throws Exception {
        int port = Loopback.freePort("127.0.0.5");
        try (DnsServer dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
                Pipeline p = Pipeline.relaying(tmp.resolve("pipeline"), dns, port, Map.of(
                        "MAILPIPE_RELAY_CONNECT_TIMEOUT", "2s",
                        "MAILPIPE_RETRY_DELAYS", "10m",
                        "MAILPIPE_QUEUE_LAG_COLLECTOR_INTERVAL", "2s"))) {
            WebDriver browser = chromium();
            try {
                p.createMailbox("cora@example.test");
                Pipeline.Answer stopped = p.launcher("scale", "delivery-service", "0");
                assertEquals(0, stopped.exitCode(), stopped.output());
                Path msg = Swaks.message(tmp, "waits.eml", "From: ops@y.test", "To: cora@example.test", "Subject: waits", "", "x");
                for (int i = 0; i < 3; i++) {
                    assertTrue(Swaks.send(p.smtpPort, "ops@y.test", List.of("cora@example.test"), msg).contains("250 2.0.0"));
                }

                browser.get(p.consoleUrlWithLogin());
                page().atMost(Duration.ofSeconds(60)).until(() -> lag(browser, "delivery-service") >= 3
                        && stage(browser, "delivery-service").getAttribute("class").contains("stopped"));
                screenshot(browser, "console-delivery-stopped.png");

                Pipeline.Answer started = p.launcher("scale", "delivery-service", "1");
                assertEquals(0, started.exitCode(), started.output());
                page().atMost(Duration.ofSeconds(120)).until(() -> lag(browser, "delivery-service") == 0
                        && !stage(browser, "delivery-service").getAttribute("class").contains("stopped"));
                assertEquals(3, Pipeline.fileCount(p.maildir("example.test", "cora").resolve("new")));

                // Nobody listens at later.remote.test's MX yet: deferred, first retry in 10 minutes.
                Path out = Swaks.message(tmp, "later.eml", "From: ops@y.test", "To: x@later.remote.test", "Subject: flushed", "", "y");
                Matcher queued = QUEUED.matcher(Swaks.send(p.smtpPort, "ops@y.test", List.of("x@later.remote.test"), out));
                assertTrue(queued.find());
                String id = queued.group(1);
                page().atMost(Duration.ofSeconds(60)).until(() -> browser.findElement(By.id("deferred")).getText().contains(id));
                screenshot(browser, "console-deferred.png");
                try (SmtpSink mx = SmtpSink.start("127.0.0.5", port, tmp.resolve("later"), "accept")) {
                    // The row may be redrawn between finding it and clicking its button: find it again.
                    page().ignoreException(java.util.NoSuchElementException.class).atMost(Duration.ofSeconds(30)).until(() -> {
                        WebElement row = browser.findElements(By.cssSelector("#deferred tbody tr")).stream()
                                .filter(r -> r.getText().contains(id)).findFirst().orElseThrow();
                        row.findElement(By.xpath(".//button[text()='flush later.remote.test']")).click();
                        return true;
                    });
                    await().atMost(Duration.ofSeconds(60)).until(() -> mx.messages().size() == 1);
                    assertTrue(Files.readString(mx.messages().get(0)).contains("Subject: flushed"));
                }
                page().atMost(Duration.ofSeconds(30)).until(() -> !browser.findElement(By.id("deferred")).getText().contains(id));
                screenshot(browser, "console-flushed.png");
            } finally {
                browser.quit();
            }
        }
    }

    /** Debian's chromium through Debian's chromedriver, headless, with a profile of the test's own. */
    private WebDriver chromium() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1100",
                "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /**
     * Waiting on what the page shows: the console redraws its tables and diagram as the figures
     * change, so an element found a moment ago may be gone when read; the condition is asked again.
     */
    private static ConditionFactory page() {
        return await().ignoreException(StaleElementReferenceException.class);
    }

    private static WebElement stage(WebDriver browser, String name) {
        return browser.findElement(By.cssSelector("#pipeline [data-stage='" + name + "']"));
    }

    /** The lag the diagram shows for a stage ("lag 12"), or -1 while it is not drawn. */
    private static long lag(WebDriver browser, String name) {
        List<WebElement> boxes = browser.findElements(By.cssSelector("#pipeline [data-stage='" + name + "'] .lag"));
        return boxes.isEmpty() ? -1 : Long.parseLong(boxes.get(0).getText().replace("lag ", "").trim());
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        Files.createDirectories(REPORTS);
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, REPORTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
