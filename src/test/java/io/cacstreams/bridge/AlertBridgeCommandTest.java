package io.cacstreams.bridge;

import io.cacstreams.cli.Main;
import io.cacstreams.runtime.TopologySource;
import io.cacstreams.config.AppConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code alert-bridge} command line: registered, and its settings validated before it connects anywhere. */
class AlertBridgeCommandTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = new Main(new Main.Context(Map.of(), TopologySource.CAC, s -> {
            throw new AssertionError("the registry is not needed");
        })).commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Result(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void isACommandOfTheCli() {
        Result r = run("alert-bridge", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--alertmanager-url").contains("--resend-interval").contains("--group-id");
        assertThat(run("--help").out()).contains("alert-bridge");
    }

    @Test
    void theAlertmanagerUrlIsRequiredAndMustBeHttp() {
        assertThat(run("alert-bridge", "--bootstrap-servers", "localhost:9092").code()).isEqualTo(2);
        Result bad = run("alert-bridge", "--bootstrap-servers", "localhost:9092", "--alertmanager-url", "ftp://x");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("--alertmanager-url: 'ftp://x' is not an http(s):// URL");
        Result resend = run("alert-bridge", "--bootstrap-servers", "localhost:9092", "--alertmanager-url",
                "http://am:9093", "--resend-interval", "0s");
        assertThat(resend.code()).isEqualTo(2);
        assertThat(resend.err().strip()).startsWith("--resend-interval: ");
    }

    @Test
    void theConsumerReadsCommittedTransactionsAndCommitsByHand() {
        AppConfig cfg = AppConfig.from(Map.of("bootstrap.servers", "b:9092", "security.protocol", "SASL_SSL"));
        Map<String, Object> p = AlertBridgeCommand.consumerProperties(cfg, "g");
        assertThat(p).containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "g")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "b:9092");
    }
}
