package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicNames;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/** The topics and application id of one run ({@code cac-verify-<run>-...}), and their creation. */
public final class RunTopics {
    private RunTopics() {
    }

    /** {@code base}'s settings with this run's own topics and application id. */
    static Map<String, String> settings(AppConfig base, String runId) {
        Map<String, String> s = new TreeMap<>(base.toSettings());
        String prefix = "cac-verify-" + runId + "-";
        s.put("application.id", "cac-verify-" + runId);
        s.put("cac.topic.spend", prefix + "marketing-spend");
        s.put("cac.topic.leads", prefix + "leads");
        s.put("cac.topic.conversions", prefix + "conversions");
        s.put("cac.topic.churn", prefix + "churn");
        s.put("cac.topic.fx", prefix + "fx-rates");
        s.put("cac.topic.metrics", prefix + "channel-metrics");
        s.put("cac.topic.alerts", prefix + "channel-alerts");
        s.put("cac.topic.deadletter", prefix + "dead-letter");
        return s;
    }

    /**
     * Creates the run's topics ({@code partitions} each, fx rates 1) and waits for their leaders. The synthetic market
     * is dated months back and outputs carry event time: with a time-based retention the broker deletes closed
     * segments (alerts, dead letters, inputs) before the check reads them, so they keep everything.
     */
    static void create(Admin admin, TopicNames topics, int partitions) throws Exception {
        Map<String, String> keep = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
        List<NewTopic> all = new ArrayList<>();
        for (String t : topics.inputs()) all.add(new NewTopic(t, Optional.of(partitions), Optional.empty()).configs(keep));
        all.add(new NewTopic(topics.fxRates(), Optional.of(1), Optional.empty()).configs(keep));
        for (String t : topics.outputs()) all.add(new NewTopic(t, Optional.of(partitions), Optional.empty()).configs(keep));
        admin.createTopics(all).all().get();
        awaitLeaders(admin, all.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
    }

    /**
     * Waits until every partition of {@code topics} has a leader, so that the first sends do not meet
     * NOT_LEADER_OR_FOLLOWER (a freshly created topic is announced before its leader serves it).
     */
    public static void awaitLeaders(Admin admin, List<String> topics, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String missing = null;
            try {
                for (var d : admin.describeTopics(topics).allTopicNames().get().values()) {
                    for (var p : d.partitions()) {
                        if (p.leader() == null || p.leader().isEmpty()) missing = d.name() + "-" + p.partition();
                    }
                }
            } catch (ExecutionException e) {
                missing = e.getCause().toString();
            }
            if (missing == null) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no leader for " + missing + " within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
