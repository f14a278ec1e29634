package io.cacstreams.runtime;

import io.cacstreams.config.TopicNames;
import io.cacstreams.config.TopicSetup;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks, before the application starts, that the topics it reads and writes exist: creates the missing ones when
 * {@code cac.topics.create=true}, else reports them. Also warns about input topics whose partition counts differ where
 * the processing needs them equal (see {@link #coPartitionedInputs}). Internal topics (changelogs, repartition
 * topics) are Kafka Streams' business and are not checked here.
 */
public final class TopicChecker {
    private static final Logger log = LoggerFactory.getLogger(TopicChecker.class);

    /** Topics that must have equal partition counts, and why. */
    public record CoPartitioned(List<String> topics, String reason) {
        public CoPartitioned {
            topics = List.copyOf(topics);
        }
    }

    /**
     * What was found. {@code missing} topics prevent a start; {@code warnings} do not. {@code partitions} has the
     * partition count of every topic that exists now (including the ones just created).
     */
    public record Report(List<String> created, List<String> missing, List<String> warnings,
                         Map<String, Integer> partitions) {
        public Report {
            created = List.copyOf(created);
            missing = List.copyOf(missing);
            warnings = List.copyOf(warnings);
            partitions = Map.copyOf(partitions);
        }

        public boolean ok() {
            return missing.isEmpty();
        }
    }

    /** The broker could not be reached (or refused us) within the wait. */
    public static final class BrokerUnreachableException extends RuntimeException {
        public BrokerUnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A topic could not be created or described. */
    public static final class TopicSetupException extends RuntimeException {
        public TopicSetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Admin admin;
    private final String bootstrapServers;
    private final Duration reachTimeout;

    /**
     * @param bootstrapServers only for messages
     * @param reachTimeout     how long to wait for the cluster to answer at all (30s in {@code run})
     */
    public TopicChecker(Admin admin, String bootstrapServers, Duration reachTimeout) {
        this.admin = admin;
        this.bootstrapServers = bootstrapServers;
        this.reachTimeout = reachTimeout;
    }

    /**
     * The input topics that the processing joins on the same key, so that need equal partition counts unless the
     * topology repartitions one side: conversions and churn, joined by customerId (a churn event has no channel; it
     * is looked up from the customer's conversion). Spend and leads are aggregated per channel and need not match
     * anything.
     */
    public static List<CoPartitioned> coPartitionedInputs(TopicNames names) {
        return List.of(new CoPartitioned(List.of(names.conversions(), names.churn()),
                "churn events are matched to conversions by customerId"));
    }

    /** Every topic the application reads or writes. */
    public static List<String> required(TopicNames names) {
        Set<String> all = new LinkedHashSet<>(names.inputs());
        all.add(names.fxRates());
        all.addAll(names.outputs());
        return List.copyOf(all);
    }

    public Report check(TopicNames names, TopicSetup setup) {
        Map<String, Map<String, String>> configs = new TreeMap<>();
        for (String t : required(names)) {
            Map<String, String> c = TopicSetup.requiredConfigs(names, t);
            if (!c.isEmpty()) configs.put(t, c);
        }
        return check(required(names), coPartitionedInputs(names), setup, configs);
    }

    public Report check(List<String> required, List<CoPartitioned> coPartitioned, TopicSetup setup) {
        return check(required, coPartitioned, setup, Map.of());
    }

    /**
     * @param configs topic-level settings per topic: given to the topics it creates, and checked on the topics that
     *                exist (a difference is a warning: the operator owns existing topics)
     */
    public Report check(List<String> required, List<CoPartitioned> coPartitioned, TopicSetup setup,
                        Map<String, Map<String, String>> configs) {
        awaitCluster();
        Set<String> existing = get(admin.listTopics(new ListTopicsOptions().timeoutMs(timeoutMs())).names(),
                "list topics");
        List<String> missing = new ArrayList<>();
        for (String t : required) {
            if (!existing.contains(t)) missing.add(t);
        }
        List<String> created = new ArrayList<>();
        if (!missing.isEmpty() && setup.create()) {
            List<String> existedAfterAll = new ArrayList<>();
            created.addAll(create(missing, setup, configs, existedAfterAll));
            missing.removeAll(created);
            missing.removeAll(existedAfterAll);
        }
        List<String> present = new ArrayList<>(required);
        present.removeAll(missing);
        Map<String, Integer> partitions = describe(present);
        List<String> warnings = new ArrayList<>(coPartitionWarnings(partitions, coPartitioned));
        Map<String, Map<String, String>> toCheck = new TreeMap<>(configs);
        toCheck.keySet().retainAll(present);
        toCheck.keySet().removeAll(created);
        warnings.addAll(configWarnings(toCheck));
        Report report = new Report(created, missing, warnings, partitions);
        if (!created.isEmpty()) {
            log.info("created topics {} ({} partitions, replication {})", created, setup.partitions(),
                    setup.replication() < 0 ? "broker default" : setup.replication());
        }
        for (String w : warnings) log.warn(w);
        return report;
    }

    /** Pure: a warning for each co-partitioned group whose existing topics differ in partition count. */
    static List<String> coPartitionWarnings(Map<String, Integer> partitions, List<CoPartitioned> groups) {
        List<String> out = new ArrayList<>();
        for (CoPartitioned g : groups) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (String t : g.topics()) {
                if (partitions.containsKey(t)) counts.put(t, partitions.get(t));
            }
            if (counts.values().stream().distinct().count() > 1) {
                StringBuilder sb = new StringBuilder("partition counts differ: ");
                counts.forEach((t, n) -> sb.append(t).append(" has ").append(n).append(", "));
                sb.setLength(sb.length() - 2);
                sb.append(" (").append(g.reason()).append(", which needs equal partition counts unless the topology")
                        .append(" repartitions one side)");
                out.add(sb.toString());
            }
        }
        return out;
    }

    private void awaitCluster() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs())).nodes()
                    .get(reachTimeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw unreachable(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) throw unreachable(e.getCause());
            throw new BrokerUnreachableException("cannot connect to bootstrap.servers=" + bootstrapServers + ": "
                    + Errors.rootMessage(e), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerUnreachableException("interrupted while connecting to bootstrap.servers=" + bootstrapServers, e);
        }
    }

    private BrokerUnreachableException unreachable(Throwable cause) {
        return new BrokerUnreachableException("cannot reach bootstrap.servers=" + bootstrapServers + " within "
                + io.cacstreams.config.Durations.format(reachTimeout), cause);
    }

    /** Creates {@code missing}; those found to exist already (made meanwhile, or not yet listed) go to {@code existed}. */
    private List<String> create(List<String> missing, TopicSetup setup, Map<String, Map<String, String>> configs,
                                List<String> existed) {
        Optional<Short> replication = setup.replication() < 0 ? Optional.empty() : Optional.of(setup.replication());
        List<NewTopic> topics = new ArrayList<>();
        for (String t : missing) {
            topics.add(new NewTopic(t, Optional.of(setup.partitions()), replication)
                    .configs(configs.getOrDefault(t, Map.of())));
        }
        Map<String, ? extends Future<Void>> results = admin.createTopics(topics).values();
        List<String> created = new ArrayList<>();
        for (String t : missing) {
            try {
                results.get(t).get(reachTimeout.toMillis(), TimeUnit.MILLISECONDS);
                created.add(t);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    existed.add(t);
                    continue;
                }
                throw new TopicSetupException("cannot create topic " + t + ": " + Errors.rootMessage(e), e);
            } catch (TimeoutException e) {
                throw new TopicSetupException("cannot create topic " + t + ": no answer within "
                        + io.cacstreams.config.Durations.format(reachTimeout), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicSetupException("interrupted while creating topic " + t, e);
            }
        }
        return created;
    }

    /** A warning for each existing topic whose settings differ from what it needs. */
    private List<String> configWarnings(Map<String, Map<String, String>> wanted) {
        List<String> out = new ArrayList<>();
        if (wanted.isEmpty()) return out;
        List<ConfigResource> resources = wanted.keySet().stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> actual = get(admin.describeConfigs(resources).all(), "describe topic settings");
        wanted.forEach((topic, settings) -> {
            Config c = actual.get(new ConfigResource(ConfigResource.Type.TOPIC, topic));
            settings.forEach((key, value) -> {
                ConfigEntry e = c == null ? null : c.get(key);
                String is = e == null ? null : e.value();
                if (!value.equals(is)) {
                    out.add("topic " + topic + " has " + key + "=" + is + " but needs " + key + "=" + value
                            + " (kafka-configs.sh --alter --entity-type topics --entity-name " + topic
                            + " --add-config " + key + "=" + value + ")");
                }
            });
        });
        return out;
    }

    private Map<String, Integer> describe(List<String> topics) {
        Map<String, Integer> out = new TreeMap<>();
        if (topics.isEmpty()) return out;
        // a topic created a moment ago may not be in every broker's metadata yet: retry that, within the wait
        long deadline = System.nanoTime() + reachTimeout.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames()
                        .get(reachTimeout.toMillis(), TimeUnit.MILLISECONDS);
                d.forEach((t, desc) -> out.put(t, desc.partitions().size()));
                return out;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new TopicSetupException("cannot describe topics on bootstrap.servers=" + bootstrapServers
                            + ": " + Errors.rootMessage(e), e);
                }
            } catch (TimeoutException e) {
                throw new TopicSetupException("cannot describe topics on bootstrap.servers=" + bootstrapServers
                        + ": no answer within " + io.cacstreams.config.Durations.format(reachTimeout), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicSetupException("interrupted while describing topics", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicSetupException("interrupted while describing topics", e);
            }
        }
    }

    private <T> T get(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(reachTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new TopicSetupException("cannot " + what + " on bootstrap.servers=" + bootstrapServers + ": "
                    + Errors.rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicSetupException("interrupted while trying to " + what, e);
        }
    }

    private int timeoutMs() {
        return (int) Math.min(Integer.MAX_VALUE, reachTimeout.toMillis());
    }
}
