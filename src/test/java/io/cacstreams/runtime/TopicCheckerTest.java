package io.cacstreams.runtime;

import io.cacstreams.config.TopicNames;
import io.cacstreams.config.TopicSetup;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicCheckerTest {

    @Test
    void requiredTopicsAreInputsFxAndOutputs() {
        assertThat(TopicChecker.required(TopicNames.defaults())).containsExactly("marketing-spend", "leads",
                "conversions", "churn", "fx-rates", "channel-metrics", "channel-alerts", "cac-dead-letter");
    }

    @Test
    void onlyCoPartitionedTopicsMustMatch() {
        List<TopicChecker.CoPartitioned> groups = TopicChecker.coPartitionedInputs(TopicNames.defaults());
        Map<String, Integer> counts = Map.of("marketing-spend", 1, "leads", 12, "conversions", 6, "churn", 6);
        assertThat(TopicChecker.coPartitionWarnings(counts, groups)).isEmpty();

        List<String> warnings = TopicChecker.coPartitionWarnings(Map.of("conversions", 6, "churn", 3), groups);
        assertThat(warnings).containsExactly("partition counts differ: conversions has 6, churn has 3"
                + " (churn events are matched to conversions by customerId, which needs equal partition counts"
                + " unless the topology repartitions one side)");
    }

    @Test
    void aMissingTopicOfAGroupIsNotAMismatch() {
        assertThat(TopicChecker.coPartitionWarnings(Map.of("conversions", 6),
                TopicChecker.coPartitionedInputs(TopicNames.defaults()))).isEmpty();
    }

    @Test
    void anUnreachableBrokerIsReportedWithinTheWait() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String bootstrap = "127.0.0.1:" + port;
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            TopicChecker checker = new TopicChecker(admin, bootstrap, Duration.ofSeconds(2));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> checker.check(TopicNames.defaults(), TopicSetup.defaults()))
                    .isInstanceOf(TopicChecker.BrokerUnreachableException.class)
                    .hasMessage("cannot reach bootstrap.servers=" + bootstrap + " within 2s");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
