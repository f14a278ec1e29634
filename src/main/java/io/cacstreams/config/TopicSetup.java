package io.cacstreams.config;

import java.util.Map;

/**
 * Whether the application creates the topics it needs when they are missing ({@code cac.topics.create}, default
 * false: a missing topic is reported, never created behind the operator's back), and with how many partitions
 * ({@code cac.topics.partitions}, default 6) and replicas ({@code cac.topics.replication}, default -1 = the
 * broker's {@code default.replication.factor}).
 */
public record TopicSetup(boolean create, int partitions, short replication) {

    public static TopicSetup defaults() {
        return new TopicSetup(false, 6, (short) -1);
    }

    /** The topic-level setting that makes a topic keep only the latest record of each key. */
    public static final Map<String, String> COMPACTED = Map.of("cleanup.policy", "compact");

    /**
     * Topic-level settings a topic needs beyond the broker's defaults: {@code channel-alerts} is compacted (keyed by
     * dedupKey), so that a subscriber that starts late still reads every alert that is open. Empty for the others.
     */
    public static Map<String, String> requiredConfigs(TopicNames names, String topic) {
        return topic.equals(names.alerts()) ? COMPACTED : Map.of();
    }

    static TopicSetup from(Settings s) {
        boolean create = s.bool("cac.topics.create", false);
        double partitions = s.number("cac.topics.partitions", 6);
        if (partitions < 1 || partitions != Math.rint(partitions) || partitions > Integer.MAX_VALUE) {
            throw new ConfigException("cac.topics.partitions", "must be a whole number >= 1");
        }
        double replication = s.number("cac.topics.replication", -1);
        if (replication != Math.rint(replication) || (replication < 1 && replication != -1) || replication > Short.MAX_VALUE) {
            throw new ConfigException("cac.topics.replication", "must be a whole number >= 1, or -1 for the broker default");
        }
        return new TopicSetup(create, (int) partitions, (short) replication);
    }
}
