package io.cacstreams.runtime;

import io.cacstreams.config.TopicNames;
import io.cacstreams.config.TopicSetup;
import io.cacstreams.devstack.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TopicCheckerIT {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static TopicNames names(String prefix) {
        TopicNames d = TopicNames.defaults();
        return new TopicNames(prefix + d.spend(), prefix + d.leads(), prefix + d.conversions(), prefix + d.churn(),
                prefix + d.fxRates(), prefix + d.metrics(), prefix + d.alerts(), prefix + d.deadLetter());
    }

    @Test
    void reportsMissingTopicsWithoutCreatingThem() {
        TopicNames names = names("a.");
        try (Admin admin = kafka.admin()) {
            TopicChecker.Report r = new TopicChecker(admin, kafka.bootstrapServers(), Duration.ofSeconds(30))
                    .check(names, TopicSetup.defaults());
            assertThat(r.ok()).isFalse();
            assertThat(r.missing()).containsExactlyElementsOf(TopicChecker.required(names));
            assertThat(r.created()).isEmpty();
            assertThat(admin.listTopics().names().get()).noneMatch(t -> t.startsWith("a."));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void createsMissingTopicsWhenAllowedAndIsIdempotent() throws Exception {
        TopicNames names = names("b.");
        kafka.createTopics(2, names.spend());
        try (Admin admin = kafka.admin()) {
            TopicChecker checker = new TopicChecker(admin, kafka.bootstrapServers(), Duration.ofSeconds(30));
            TopicChecker.Report first = checker.check(names, new TopicSetup(true, 3, (short) 1));
            assertThat(first.ok()).isTrue();
            assertThat(first.created()).hasSize(7).doesNotContain(names.spend());
            assertThat(first.partitions()).containsEntry(names.spend(), 2).containsEntry(names.churn(), 3)
                    .containsEntry(names.deadLetter(), 3).hasSize(8);
            assertThat(first.warnings()).isEmpty();
            // channel-alerts is compacted (a late subscriber reads every open alert), the others are not
            assertThat(cleanupPolicy(admin, names.alerts())).isEqualTo("compact");
            assertThat(cleanupPolicy(admin, names.metrics())).isEqualTo("delete");

            TopicChecker.Report second = checker.check(names, new TopicSetup(true, 3, (short) 1));
            assertThat(second.created()).isEmpty();
            assertThat(second.missing()).isEmpty();
        }
    }

    @Test
    void warnsWhenTheAlertsTopicExistsWithoutCompaction() throws Exception {
        TopicNames names = names("d.");
        kafka.createTopics(1, names.alerts());
        try (Admin admin = kafka.admin()) {
            TopicChecker.Report r = new TopicChecker(admin, kafka.bootstrapServers(), Duration.ofSeconds(30))
                    .check(names, new TopicSetup(true, 1, (short) 1));
            assertThat(r.ok()).isTrue();
            assertThat(r.warnings()).singleElement().asString()
                    .startsWith("topic d.channel-alerts has cleanup.policy=delete but needs cleanup.policy=compact");
            assertThat(cleanupPolicy(admin, names.alerts())).isEqualTo("delete"); // reported, not changed
        }
    }

    private static String cleanupPolicy(Admin admin, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get().get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
    }

    @Test
    void warnsWhenCoPartitionedInputsDiffer() throws Exception {
        TopicNames names = names("c.");
        kafka.createTopics(4, names.conversions());
        kafka.createTopics(2, names.churn());
        try (Admin admin = kafka.admin()) {
            TopicChecker.Report r = new TopicChecker(admin, kafka.bootstrapServers(), Duration.ofSeconds(30))
                    .check(names, new TopicSetup(true, 6, (short) -1));
            assertThat(r.ok()).isTrue();
            assertThat(r.warnings()).singleElement().asString()
                    .startsWith("partition counts differ: c.conversions has 4, c.churn has 2 (churn events are matched");
        }
    }
}
