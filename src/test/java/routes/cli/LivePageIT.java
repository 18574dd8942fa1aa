package routes.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import routes.support.Ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live page in a real browser: Debian's chromium, headless, through Debian's chromedriver. The packaged demo
 * (--stay) runs a deployment while the page is open on it; the page follows it stage by stage with no reload, then
 * shows the rollback of a failing one. Screenshots go to target/live-page/.
 */
class LivePageIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "live-page");

    private static ChromeDriver browser;

    @BeforeAll
    static void openBrowser() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver (.ci/run installs them)");
        Files.createDirectories(SHOTS);
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void thePageFollowsADeploymentStageByStageThenARollback() throws Exception {
        Followed success = follow("success", List.of(), "SUCCESS");
        assertInOrder(success.states(), "vercel RUNNING", "vercel SUCCESS", "railway RUNNING", "railway SUCCESS",
                "folio RUNNING", "folio SUCCESS");
        assertEquals("", success.failure());

        Followed rolledBack = follow("rollback", List.of("--fail-at", "railway"), "ROLLED_BACK");
        assertInOrder(rolledBack.states(), "vercel SUCCESS", "railway FAILURE", "rollback SUCCESS");
        assertTrue(rolledBack.failure().contains("stage railway"), rolledBack.failure());
    }

    /** What the deployment's page showed: each (stage, status) in the order seen, and the failure notice. */
    private record Followed(List<String> states, String failure) {
    }

    /**
     * Starts the demo, opens its deployment's page as soon as it is named, and records each (stage, status) the
     * page shows until the deployment's status is {@code end}; the page must not reload meanwhile.
     */
    private Followed follow(String name, List<String> flags, String end) throws Exception {
        int port = Ports.free();
        Path data = Files.createTempDirectory("printery-page-it-");
        List<String> args = new ArrayList<>(List.of("demo", "--stay"));
        args.addAll(flags);
        try (JarProcess demo = JarProcess.start(Map.of("PRINTERY_DATA_DIR", data.toString(),
                "PRINTERY_HTTP_PORT", String.valueOf(port)), List.of(), args.toArray(String[]::new))) {
            String line = demo.awaitStdout(l -> l.contains(", live at http://"), 90, "naming the deployment's page");
            String url = line.substring(line.indexOf("http://"));
            assertTrue(url.startsWith("http://127.0.0.1:" + port + "/#/deployments/"), url);
            browser.get(url);
            JavascriptExecutor js = browser;
            js.executeScript("window.sameDocument = true;");
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            String status = "";
            boolean shotRunning = false;
            while (!status.equals(end) && System.nanoTime() < deadline) {
                // One script for the whole reading: the page redraws as events arrive, so elements go stale.
                @SuppressWarnings("unchecked")
                List<String> lanes = (List<String>) js.executeScript("return Array.from(document.querySelectorAll("
                        + "'#timeline li')).map(li => li.dataset.stage + ' ' + li.dataset.status)"
                        + ".concat([(document.querySelector('#status .status') || {}).textContent || ''])");
                status = lanes.remove(lanes.size() - 1);
                for (String state : lanes) {
                    if (!seen.contains(state)) {
                        seen.add(state);
                    }
                }
                if (!shotRunning && seen.contains("railway RUNNING")) {
                    shot(name + "-running");
                    shotRunning = true;
                }
                Thread.sleep(100);
            }
            assertEquals(end, status, () -> "the page's status; lanes seen " + seen);
            assertEquals(Boolean.TRUE, js.executeScript("return window.sameDocument === true;"), "the page reloaded");
            // The event log and the delivery log (the notifier writes to the outbox just after the event).
            String last = end.equals("SUCCESS") ? "deployment:completed" : "deployment:failed";
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
            wait.until(b -> !b.findElements(By.cssSelector("tr[data-type='" + last + "']")).isEmpty());
            wait.until(b -> !b.findElements(By.cssSelector("tr[data-outcome='SENT']")).isEmpty());
            shot(name + "-done");
            String failure = browser.findElements(By.id("failure")).stream().map(WebElement::getText).findFirst()
                    .orElse("");
            // The list, newest first, with the deployment as it ended.
            js.executeScript("location.hash = '#/';");
            WebElement row = wait.until(b -> b.findElements(
                    By.cssSelector("#deployments tr[data-status='" + end + "']")).stream().findFirst().orElse(null));
            assertTrue(url.endsWith(row.getAttribute("data-id")), () -> url + " listed as " + row.getAttribute("data-id"));
            shot(name + "-list");
            // On a phone's width the deployment's page fits: nothing wider than the screen.
            browser.manage().window().setSize(new Dimension(390, 844));
            js.executeScript("location.hash = arguments[0];", url.substring(url.indexOf('#')));
            wait.until(b -> !b.findElements(By.cssSelector("tr[data-type='" + last + "']")).isEmpty());
            Object overflow = js.executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
            shot(name + "-phone");
            browser.manage().window().setSize(new Dimension(1280, 1000));
            assertTrue(((Number) overflow).longValue() <= 0, () -> "wider than a phone by " + overflow + " px");
            demo.terminate();
            return new Followed(seen, failure);
        }
    }

    private static void shot(String name) throws Exception {
        File file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(file.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void assertInOrder(List<String> seen, String... expected) {
        int at = -1;
        for (String state : expected) {
            int next = seen.indexOf(state);
            assertTrue(next > at, () -> state + " after the states before it, in " + seen);
            at = next;
        }
    }
}
