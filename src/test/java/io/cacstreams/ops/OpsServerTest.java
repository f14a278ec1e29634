package io.cacstreams.ops;

import io.cacstreams.config.OpsSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpsServerTest {
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private OpsServer server;

    @BeforeEach
    void start() {
        server = new OpsServer(new OpsSettings("127.0.0.1", 0), new StreamsHealth(state::get));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsArePrometheusTextWithJvmMeters() throws Exception {
        Counter.builder("cac.test.events").register(server.registry()).increment(3);
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(OpsServer.PROMETHEUS_TEXT);
        assertThat(r.body()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
                "system_cpu_count", "process_uptime_seconds", "cac_test_events_total 3.0");
    }

    @Test
    void rocksDbsNegativeOpenFilesCountDoesNotBreakTheScrape() throws Exception {
        FunctionCounter.builder(OpsServer.NEGATIVE_ROCKSDB_COUNTER, this, x -> -1.0).tag("task.id", "2_0")
                .register(server.registry());
        Counter.builder("kafka.stream.task.process.total").tag("task.id", "2_0").register(server.registry())
                .increment(5);
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("kafka_stream_task_process_total{task_id=\"2_0\"} 5.0")
                .doesNotContain("number_open_files");
    }

    @Test
    void readyOnlyWhileRunning() throws Exception {
        for (State s : State.values()) {
            state.set(s);
            HttpResponse<String> r = get("/health/ready");
            assertThat(r.statusCode()).as("ready in %s", s).isEqualTo(s == State.RUNNING ? 200 : 503);
            assertThat(r.body()).contains("\"state\":\"" + s + "\"");
        }
    }

    @Test
    void liveUntilAnErrorAndNotAfterIt() throws Exception {
        state.set(State.RUNNING);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health/live").body()).isEqualTo("{\"status\":\"UP\",\"state\":\"RUNNING\"}\n");
        state.set(State.REBALANCING);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        state.set(State.PENDING_ERROR);
        assertThat(get("/health/live").statusCode()).isEqualTo(503);
        state.set(State.ERROR);
        HttpResponse<String> r = get("/health/live");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("{\"status\":\"DOWN\",\"state\":\"ERROR\"}\n");
        state.set(State.NOT_RUNNING);
        assertThat(get("/health/live").statusCode()).isEqualTo(503);
    }

    @Test
    void notRunningAfterACleanCloseIsStillLive() throws Exception {
        state.set(State.PENDING_SHUTDOWN);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        state.set(State.NOT_RUNNING);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    }

    @Test
    void anErrorReportedByTheStateListenerIsRememberedEvenIfNeverPolled() throws Exception {
        state.set(State.NOT_RUNNING);
        server.health().onChange(State.ERROR, State.RUNNING);
        assertThat(get("/health/live").statusCode()).isEqualTo(503);
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void aTakenPortIsAClearError() {
        assertThatThrownBy(() -> new OpsServer(new OpsSettings("127.0.0.1", server.port()), StreamsHealth.notStarted()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot listen on 127.0.0.1:" + server.port() + " (cac.ops.host, cac.ops.port)");
    }
}
