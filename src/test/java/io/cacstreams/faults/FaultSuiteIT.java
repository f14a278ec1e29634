package io.cacstreams.faults;

import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.config.AppConfig;
import io.cacstreams.verify.Chaos;
import io.cacstreams.verify.ChildApp;
import io.cacstreams.verify.Instances;
import io.cacstreams.verify.OutputSnapshot;
import io.cacstreams.verify.VerifyRun;
import io.cacstreams.verify.VerifySummary;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault injection against the packaged application in child JVMs, on one embedded broker and one Apicurio registry
 * shared by the class; every scenario is a {@link VerifyRun} on topics and an application id of its own. Each loop
 * is bounded in count and time. A summary table goes to stdout and {@code target/fault-summary.txt}.
 */
@Tag("fault")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {
    private static final Path TARGET = Path.of(System.getProperty("cac.jar", "target/cac-streams.jar")).toAbsolutePath().getParent();
    private static final Duration QUIET_TIMEOUT = Duration.ofMinutes(3);
    private static final double OLD_BATCH = 0.05;
    private static final Pattern LOG_TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) ");
    private static final Pattern RESTORED = Pattern.compile("Finished restoring changelog \\S+ to store \\S+ with a total number of (\\d+) records");

    private static EmbeddedKafka kafka;
    private static ApicurioProcess registry;
    private static Path workDir;
    private static Path logback;
    private static final List<String> rows = new ArrayList<>();
    private static final List<String> timings = new ArrayList<>();
    private static final long classStart = System.nanoTime();

    @BeforeAll
    static void startStack() throws IOException {
        workDir = Files.createDirectories(TARGET.resolve("fault-runs"));
        // Kafka Streams' restore lines (INFO) on top of the application's own configuration
        logback = workDir.resolve("fault-logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="io.cacstreams" level="INFO"/>
                  <logger name="org.apache.kafka" level="WARN"/>
                  <logger name="org.apache.kafka.streams.processor.internals.StoreChangelogReader" level="INFO"/>
                  <logger name="kafka" level="WARN"/>
                  <root level="WARN"><appender-ref ref="STDERR"/></root>
                </configuration>
                """);
        kafka = EmbeddedKafka.builder().brokers(1).start();
        registry = ApicurioProcess.start(Path.of(System.getProperty("cac.apicurio.dir", "target/apicurio")),
                workDir.resolve("apicurio.log"), ApicurioProcess.DEFAULT_STARTUP_TIMEOUT);
    }

    @AfterAll
    static void stopStack() throws IOException {
        try {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%nFault suite summary (class runtime %.0f s)%n",
                    (System.nanoTime() - classStart) / 1e9));
            sb.append(String.format(Locale.ROOT, "%-26s %4s %4s %5s %8s %6s %8s %7s %6s %5s %6s %5s  %s%n", "scenario",
                    "inst", "kill", "rstrt", "brokerRs", "events", "checked", "alerts", "mism", "exces", "secs",
                    "ok", "dead letters by reason"));
            rows.forEach(r -> sb.append(r).append('\n'));
            sb.append("\nTimings (from the child logs; failover = kill -> survivor RUNNING; restore = survivor's"
                    + " rebalance -> RUNNING after the kill)\n");
            timings.forEach(t -> sb.append("  ").append(t).append('\n'));
            System.out.println(sb);
            Files.writeString(TARGET.resolve("fault-summary.txt"), sb.toString());
        } finally {
            if (registry != null) registry.close();
            if (kafka != null) kafka.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Settings of the application: this stack, short session timeout (a killed member leaves the group in 10 s). */
    private static Map<String, String> base(Map<String, String> more) {
        Map<String, String> s = new TreeMap<>(kafka.clientProperties());
        s.put("cac.registry.url", registry.ccompatUrl());
        s.put("cac.ops.port", "0");
        s.put("cac.query.port", "0");
        s.put("commit.interval.ms", "3000"); // transactions open for up to 3 s: kills hit them
        s.put("session.timeout.ms", "10000");
        s.put("heartbeat.interval.ms", "2000");
        // a target no channel meets, so that alerts fire once the 7-day window is past its warm-up (day 7 of 10);
        // a finite LTV horizon bounds the interval's upper end even in a window without churn
        s.put("cac.alert.channel.paid_search.threshold", "1000");
        s.put("cac.ltv.horizon.months", "36");
        // alerts are evaluated on settled buckets: a partition that has had its last record (the market's churns are
        // few) holds the watermark back until it counts as idle; 30 s by default, longer than a run's quiet check
        s.put("cac.idle.timeout", "3s");
        s.putAll(more);
        return s;
    }

    private static VerifyRun.Options options(long seed) {
        return new VerifyRun.Options(10, 0.25, seed, 0.02, 0.02, 0, QUIET_TIMEOUT,
                Path.of(System.getProperty("cac.jar", "target/cac-streams.jar")),
                List.of("-Xmx384m", "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + logback), workDir);
    }

    private record Outcome(VerifySummary summary, String printed, double seconds) {
    }

    private static Outcome run(String name, Map<String, String> settings, VerifyRun.Options o, int brokerRestarts)
            throws Exception {
        long t0 = System.nanoTime();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new TeeStream(buf, System.out), true, StandardCharsets.UTF_8);
        System.out.println("=== " + name);
        // as `verify` runs by default: 5 % of the good events re-sent as an old batch at the end (issue 8)
        VerifySummary s = new VerifyRun(AppConfig.from(base(settings)), new HashMap<>(kafka.clientProperties()), o)
                .withOldBatch(OLD_BATCH).run(tee);
        s.print(tee);
        double secs = (System.nanoTime() - t0) / 1e9;
        String dead = s.deadLetters().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        rows.add(String.format(Locale.ROOT, "%-26s %4d %4d %5d %8d %6d %8d %7d %6d %5d %6.0f %5s  %s", name,
                s.instances(), s.kills(), s.restarts(), brokerRestarts, s.produced(), s.metricsChecked(),
                s.alertTransitions(), s.mismatches().size() + (s.pending() == null ? 0 : 1), s.excess().size(), secs,
                s.ok() ? "yes" : "NO", dead));
        return new Outcome(s, buf.toString(StandardCharsets.UTF_8), secs);
    }

    /** Waits (bounded) until the instance logs that Kafka Streams is RUNNING, at or after {@code since}. */
    private static void awaitRunning(ChildApp app, Instant since, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (firstAfter(app.log(), since, "Kafka Streams: REBALANCING -> RUNNING") != null) return;
            if (!app.isAlive()) throw new AssertionError("instance died; see " + app.log());
            Thread.sleep(200);
        }
        throw new AssertionError("not RUNNING within " + timeout + "; see " + app.log());
    }

    /** Time of the first log line at or after {@code since} containing {@code text}, or null. */
    private static Instant firstAfter(Path log, Instant since, String text) throws IOException {
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (!line.contains(text)) continue;
            Instant t = lineTime(line);
            if (t != null && !t.isBefore(since.minusMillis(1))) return t;
        }
        return null;
    }

    private static Instant lineTime(String line) {
        Matcher m = LOG_TIME.matcher(line);
        if (!m.find()) return null;
        try {
            return LocalTime.parse(m.group(1)).atDate(LocalDate.now()).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Kills, and reports whether a transaction was open on an output topic at that moment (read just after). */
    private static boolean killMidTransaction(Instances in, ChildApp app, Admin admin) throws Exception {
        Map<String, String> s = in.settings();
        in.kill(app);
        List<String> outputs = List.of(s.get("cac.topic.metrics"), s.get("cac.topic.alerts"), s.get("cac.topic.deadletter"));
        boolean open = !OutputSnapshot.openTransactions(admin, outputs).isEmpty();
        in.note("  a transaction was " + (open ? "" : "NOT ") + "open on the outputs at the kill");
        return open;
    }

    /** The single-instance kill chaos: 3 times, once RUNNING and 1-3 s into processing, kill -9 and restart. */
    private static Chaos killRestart(int kills, int[] openAtKill) {
        return in -> {
            try (Admin admin = kafka.admin()) {
                ChildApp app = in.get(0);
                Instant started = Instant.EPOCH;
                for (int k = 0; k < kills; k++) {
                    awaitRunning(app, started, Duration.ofSeconds(60));
                    Thread.sleep(1000 + in.random().nextInt(2000));
                    if (killMidTransaction(in, app, admin)) openAtKill[0]++;
                    started = Instant.now();
                    in.restart(app);
                }
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void killMinus9ThreeTimesExactlyOnce() throws Exception {
        int[] open = {0};
        Outcome o = run("1 kill-9 x3 (EOS)", Map.of(), options(11).withChaos(killRestart(3, open)), 0);
        timings.add("scenario 1: " + open[0] + " of 3 kills hit an open transaction on the outputs");
        assertThat(o.summary().kills()).isEqualTo(3);
        assertThat(o.summary().mismatches()).as(o.printed()).isEmpty();
        assertThat(o.summary().pending()).as(o.printed()).isNull();
        assertThat(o.summary().alertTransitions()).as("alerts must be exercised").isPositive();
    }

    /**
     * {@code instances} instances of one application: the first starts alone, the others join mid-stream one by one,
     * then the first is killed (kill -9, during an open transaction) and the others carry on.
     */
    private void severalInstances(int instances, int standbys, int order) throws Exception {
        Instant[] kill = new Instant[1];
        ChildApp[] survivor = new ChildApp[1];
        Chaos chaos = in -> {
            ChildApp a = in.get(0);
            awaitRunning(a, Instant.EPOCH, Duration.ofSeconds(60));
            Thread.sleep(1500);
            for (int i = 1; i < instances; i++) {
                Instant joined = Instant.now();
                ChildApp b = in.startNew(); // joins mid-stream
                awaitRunning(b, joined, Duration.ofSeconds(60));
                awaitRunning(a, joined, Duration.ofSeconds(30)); // a finished the rebalance too
                if (survivor[0] == null) survivor[0] = b;
            }
            Thread.sleep(3000);
            try (Admin admin = kafka.admin()) {
                kill[0] = Instant.now();
                killMidTransaction(in, a, admin); // not restarted: the others carry on
            }
            awaitRunning(survivor[0], kill[0], Duration.ofSeconds(90));
            in.note("survivor RUNNING again");
        };
        Outcome o = run(instances + " join+kill, standby=" + standbys,
                Map.of("num.standby.replicas", Integer.toString(standbys)),
                options(20 + order).withPartitions(6).withChaos(chaos), 0);
        if (kill[0] != null && survivor[0] != null) {
            Path log = survivor[0].log();
            Instant running = firstAfter(log, kill[0], "Kafka Streams: REBALANCING -> RUNNING");
            Instant rebalance = firstAfter(log, kill[0], "Kafka Streams: RUNNING -> REBALANCING");
            long restored = 0;
            int changelogs = 0;
            Instant lastRestore = null;
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = RESTORED.matcher(line);
                Instant t = lineTime(line);
                if (m.find() && t != null && !t.isBefore(kill[0]) && (running == null || !t.isAfter(running))) {
                    restored += Long.parseLong(m.group(1));
                    changelogs++;
                    lastRestore = t;
                }
            }
            timings.add(String.format(Locale.ROOT,
                    "%d instances, num.standby.replicas=%d: failover %s ms (kill -> survivor RUNNING; session.timeout.ms"
                            + "=10000), rebalance detected %s ms after kill, restore %s ms (rebalance -> RUNNING),"
                            + " %d changelog partitions restored after the kill with %d records in total, last"
                            + " restore line %s ms after kill",
                    instances, standbys, ms(kill[0], running), ms(kill[0], rebalance), ms(rebalance, running), changelogs,
                    restored, ms(kill[0], lastRestore)));
        }
        assertThat(o.summary().instances()).isEqualTo(instances);
        assertThat(o.summary().mismatches()).as(o.printed()).isEmpty();
        assertThat(o.summary().pending()).as(o.printed()).isNull();
    }

    private static String ms(Instant from, Instant to) {
        return from == null || to == null ? "n/a" : Long.toString(Duration.between(from, to).toMillis());
    }

    @Test
    @Order(2)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void instanceJoinsAndOneIsKilledWithoutStandbys() throws Exception {
        severalInstances(2, 0, 0);
    }

    @Test
    @Order(3)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void instanceJoinsAndOneIsKilledWithStandbys() throws Exception {
        severalInstances(2, 1, 1);
    }

    @Test
    @Order(6)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void twoInstancesJoinAndOneOfThreeIsKilledWithStandbys() throws Exception {
        severalInstances(3, 1, 2);
    }

    @Test
    @Order(4)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void brokerRestartedDuringProcessing() throws Exception {
        int broker = kafka.brokerIds().iterator().next();
        Chaos chaos = in -> {
            awaitRunning(in.get(0), Instant.EPOCH, Duration.ofSeconds(60));
            Thread.sleep(2000);
            in.note("restarting broker " + broker);
            long t0 = System.nanoTime();
            kafka.restartBroker(broker);
            in.note(String.format(Locale.ROOT, "broker %d back after %.1f s", broker, (System.nanoTime() - t0) / 1e9));
        };
        Outcome o = run("3 broker restart (EOS)", Map.of(), options(31).withChaos(chaos), 1);
        assertThat(o.summary().mismatches()).as(o.printed()).isEmpty();
        assertThat(o.summary().pending()).as(o.printed()).isNull();
    }

    @Test
    @Order(5)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void killMinus9ThreeTimesAtLeastOnce() throws Exception {
        int[] open = {0};
        Outcome o = run("4 kill-9 x3 (ALOS)", Map.of("processing.guarantee", "at_least_once"),
                options(11).withChaos(killRestart(3, open)).withCheck(VerifyRun.Check.AT_LEAST_ONCE), 0);
        timings.add("scenario 4 (at_least_once): " + o.summary().excess().size()
                + " figures/lines above the exact expectation (allowed): " + o.summary().excess().stream().limit(5).toList());
        assertThat(o.summary().kills()).isEqualTo(3);
        assertThat(o.summary().mismatches()).as("loss is never allowed\n" + o.printed()).isEmpty();
        assertThat(o.summary().pending()).as(o.printed()).isNull();
    }

    /** Copies to a buffer (for assertion messages) and to stdout. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
