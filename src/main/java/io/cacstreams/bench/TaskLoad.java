package io.cacstreams.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records processed per task, from Kafka Streams' task metric {@code process-total} (group
 * {@code stream-task-metrics}) as a child's {@code /metrics} endpoint exports it, and how evenly each sub-topology's
 * tasks share the work (the global stream thread's pseudo task is left out). Kafka Streams records that metric only
 * at {@code metrics.recording.level=DEBUG}.
 *
 * @param perTask        task id ({@code <sub-topology>_<partition>}) to records processed
 * @param subTopologies  the spread per sub-topology, by sub-topology id
 */
public record TaskLoad(Map<String, Long> perTask, List<Spread> subTopologies) {
    /** The Prometheus name Micrometer gives Kafka Streams' task-level {@code process-total}. */
    public static final String METRIC = "kafka_stream_task_process_total";
    private static final Pattern SAMPLE = Pattern.compile("^" + METRIC + "\\{([^}]*)}\\s+(\\S+)");
    /** The global stream thread's pseudo task ({@code -1_-1}, the fx rates' global store): not a task of the work. */
    private static final String GLOBAL_TASK_PREFIX = "-1_";
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sub-topology: its tasks, the records they processed, and the busiest task against the average. */
    public record Spread(int subTopology, int tasks, long total, long max, double average, Double maxToAverage) {
    }

    public TaskLoad {
        perTask = Map.copyOf(perTask);
        subTopologies = List.copyOf(subTopologies);
    }

    /** From a Prometheus text scrape; tasks of several stream threads are summed per task id. */
    public static TaskLoad parse(String prometheusText) {
        Map<String, Long> perTask = new TreeMap<>();
        for (String line : prometheusText.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.find()) continue;
            String task = null;
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                if (l.group(1).equals("task_id")) task = l.group(2);
            }
            if (task == null || task.startsWith(GLOBAL_TASK_PREFIX)) continue;
            perTask.merge(task, (long) Double.parseDouble(m.group(2)), Long::sum);
        }
        return of(perTask);
    }

    static TaskLoad of(Map<String, Long> perTask) {
        Map<Integer, List<Long>> bySub = new TreeMap<>();
        perTask.forEach((task, n) -> bySub.computeIfAbsent(Integer.parseInt(task.substring(0, task.indexOf('_'))),
                k -> new ArrayList<>()).add(n));
        List<Spread> spreads = new ArrayList<>();
        bySub.forEach((sub, counts) -> {
            long total = counts.stream().mapToLong(Long::longValue).sum();
            long max = counts.stream().mapToLong(Long::longValue).max().orElse(0);
            double avg = (double) total / counts.size();
            spreads.add(new Spread(sub, counts.size(), total, max, avg, total == 0 ? null : max / avg));
        });
        return new TaskLoad(perTask, spreads);
    }

    /** The highest busiest-to-average ratio over the sub-topologies that processed anything; null if none did. */
    public Double worstMaxToAverage() {
        return subTopologies.stream().map(Spread::maxToAverage).filter(r -> r != null)
                .max(Double::compare).orElse(null);
    }
}
