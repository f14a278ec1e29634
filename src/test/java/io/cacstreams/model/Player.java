package io.cacstreams.model;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/**
 * Plays a {@link Scenario} into the reference model and, optionally, into the real topology, then drains both (every
 * partition idle), and compares them after every input and after the drain: the settled metrics records (per key,
 * in order), the alert transitions (per dedupKey, in order, alert ids paired) and the dead letters (as a set of
 * reason + source topic + partition + offset (+ eventId)); after the drain also the last record of every key, which
 * must be a live snapshot equal to the model's. Live snapshots before that depend on what has been read when the
 * wall clock ticks (semantics.md, "What still depends on timing" 5.) and are not compared. The first difference ends
 * the run.
 */
public final class Player {
    /** Relative tolerance for doubles (absolute near zero). */
    public static final double TOLERANCE = 1e-9;

    /**
     * The bounds of LTV:CAC: the topology finds its quantiles with a solver of absolute accuracy 1e-9, the model by
     * bisection to the last bit; compared within this relative tolerance.
     */
    public static final double INTERVAL_TOLERANCE = 1e-6;
    private static final Set<String> INTERVAL_FIELDS = Set.of("ltvToCacLower", "ltvToCacUpper");

    /**
     * Alert fields not compared: free text (message, summary, description), and the ids (compared as a pairing
     * instead). The routing fields (source, labels, runbookUrl, dashboardUrl) are compared: semantics.md defines them.
     */
    private static final Set<String> ALERT_FIELDS_SKIPPED = Set.of("alertId", "message", "summary", "description");

    public record Mismatch(int inputIndex, String signature, String detail) {
        @Override
        public String toString() {
            return "after input #" + inputIndex + " [" + signature + "]: " + detail;
        }
    }

    public record Outcome(Scenario scenario, ReferenceModel model, Mismatch mismatch, Set<String> alertIdFormats) {
        public boolean agreed() {
            return mismatch == null;
        }
    }

    private Player() {
    }

    /** The model alone, drained at the end. */
    public static ReferenceModel model(Scenario s, ReferenceModel.Choices choices) {
        ReferenceModel model = new ReferenceModel(AppConfig.from(s.settings()), choices);
        Map<InputTopic, Long> offsets = new EnumMap<>(InputTopic.class);
        for (ModelInput in : s.inputs()) {
            if (in instanceof ModelInput.Event e) {
                long offset = offsets.merge(e.topic(), 1L, Long::sum) - 1;
                model.accept(e.topic(), 0, offset, e.payload());
            } else {
                model.flush();
            }
        }
        model.drain();
        return model;
    }

    /** The model and the topology side by side. */
    public static Outcome compare(Scenario s, ReferenceModel.Choices choices) {
        Map<InputTopic, Long> offsets = new EnumMap<>(InputTopic.class);
        State st = new State();
        try (TopologyRun run = new TopologyRun(s.settings())) {
            // the run's settings (its application id is the alerts' source)
            ReferenceModel model = new ReferenceModel(run.config(), choices);
            List<ModelInput> inputs = s.inputs();
            for (int i = 0; i < inputs.size(); i++) {
                ModelInput in = inputs.get(i);
                Mismatch m;
                if (in instanceof ModelInput.Event e) {
                    long offset = offsets.merge(e.topic(), 1L, Long::sum) - 1;
                    m = step(i, () -> model.accept(e.topic(), 0, offset, e.payload()), () -> run.pipe(e));
                } else {
                    m = step(i, model::flush, run::flush);
                }
                if (m == null) m = st.check(i, model, run);
                if (m != null) return new Outcome(s, model, m, st.alertIdFormats);
            }
            int drain = inputs.size();
            Mismatch m = step(drain, model::drain, run::drainIdle);
            if (m == null) m = st.check(drain, model, run);
            if (m == null) m = st.checkSnapshots(drain, model);
            return new Outcome(s, model, m, st.alertIdFormats);
        }
    }

    /** One step in the model, then in the topology: an exception in either is a mismatch. */
    private static Mismatch step(int index, Runnable inModel, Runnable inTopology) {
        try {
            inModel.run();
        } catch (RuntimeException ex) {
            return new Mismatch(index, "model.exception:" + ex.getClass().getSimpleName(),
                    "the model threw " + ex + stack(ex));
        }
        try {
            inTopology.run();
        } catch (RuntimeException ex) {
            return new Mismatch(index, "exception:" + ex.getClass().getSimpleName(),
                    "the topology threw " + ex + stack(ex));
        }
        return null;
    }

    private static String stack(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append("\n  caused by ").append(c);
            StackTraceElement[] st = c.getStackTrace();
            for (int i = 0; i < Math.min(6, st.length); i++) sb.append("\n    at ").append(st[i]);
        }
        return sb.toString();
    }

    /** What has been compared so far. */
    private static final class State {
        int emissions;
        int transitions;
        int deadLetters;
        /** The last record of every key so far, settled or not. */
        final Map<String, ChannelMetrics> latest = new HashMap<>();
        final Map<String, String> modelToActualId = new HashMap<>();
        final Map<String, String> actualToModelId = new HashMap<>();
        final Set<String> alertIdFormats = new TreeSet<>();

        Mismatch check(int index, ReferenceModel model, TopologyRun run) {
            // dead letters
            List<ReferenceModel.ExpectedDeadLetter> expectedDl = new ArrayList<>(
                    model.deadLetters().subList(deadLetters, model.deadLetters().size()));
            deadLetters = model.deadLetters().size();
            List<DeadLetter> actualDl = new ArrayList<>(run.readDeadLetters());
            Mismatch m = compareDeadLetters(index, expectedDl, actualDl);
            if (m != null) return m;

            // settled metrics, per key in order
            List<ReferenceModel.Emission> expectedM = model.emissions().subList(emissions, model.emissions().size());
            emissions = model.emissions().size();
            Map<String, List<ChannelMetrics>> exp = group(expectedM, ReferenceModel.Emission::key,
                    ReferenceModel.Emission::metrics);
            List<KeyValue<String, ChannelMetrics>> actualMetrics = run.readMetrics();
            actualMetrics.forEach(kv -> latest.put(kv.key, kv.value));
            List<KeyValue<String, ChannelMetrics>> settled = actualMetrics.stream()
                    .filter(kv -> Boolean.TRUE.equals(kv.value.getSettled())).toList();
            Map<String, List<ChannelMetrics>> act = group(settled, kv -> kv.key, kv -> kv.value);
            m = compareGroups(index, "settled", exp, act, Set.of());
            if (m != null) return m;

            // alerts, per dedupKey in order
            List<ReferenceModel.Transition> expectedA =
                    model.transitions().subList(transitions, model.transitions().size());
            transitions = model.transitions().size();
            Map<String, List<ChannelAlert>> expA = group(expectedA, ReferenceModel.Transition::dedupKey,
                    ReferenceModel.Transition::alert);
            List<KeyValue<String, ChannelAlert>> actualAlerts = run.readAlerts();
            for (KeyValue<String, ChannelAlert> kv : actualAlerts) {
                if (!Objects.equals(kv.key, kv.value.getDedupKey())) {
                    return new Mismatch(index, "alert.key", "record key " + kv.key + " != dedupKey "
                            + kv.value.getDedupKey());
                }
            }
            Map<String, List<ChannelAlert>> actA = group(actualAlerts, kv -> kv.key, kv -> kv.value);
            m = compareGroups(index, "alert", expA, actA, ALERT_FIELDS_SKIPPED);
            if (m != null) return m;
            for (List<ChannelAlert> list : expA.values()) {
                List<ChannelAlert> actual = actA.get(list.get(0).getDedupKey());
                for (int i = 0; i < list.size(); i++) {
                    m = pairIds(index, list.get(i), actual.get(i));
                    if (m != null) return m;
                }
            }
            return null;
        }

        /** After the drain: the last record of every key is a live snapshot, equal to the model's. */
        Mismatch checkSnapshots(int index, ReferenceModel model) {
            Map<String, ChannelMetrics> expected = model.finalSnapshots();
            if (!expected.keySet().equals(latest.keySet())) {
                return new Mismatch(index, "snapshot.keys", "keys after the drain: expected "
                        + new TreeSet<>(expected.keySet()) + ", actual " + new TreeSet<>(latest.keySet()));
            }
            for (Map.Entry<String, ChannelMetrics> e : expected.entrySet()) {
                ChannelMetrics actual = latest.get(e.getKey());
                String d = diff(e.getValue(), actual, Set.of());
                if (d != null) {
                    return new Mismatch(index, "snapshot." + d, e.getKey() + ": the last record after the drain"
                            + "\n  expected " + describe(e.getValue()) + "\n  actual   " + describe(actual));
                }
            }
            return null;
        }

        /** Model alert ids and actual ones must correspond one to one: one id from FIRING to RESOLVED, a new one after. */
        private Mismatch pairIds(int index, ChannelAlert expected, ChannelAlert actual) {
            String e = expected.getAlertId();
            String a = actual.getAlertId();
            String knownA = modelToActualId.putIfAbsent(e, a);
            String knownE = actualToModelId.putIfAbsent(a, e);
            if ((knownA != null && !knownA.equals(a)) || (knownE != null && !knownE.equals(e))) {
                return new Mismatch(index, "alert.alertId", "alertId pairing broken for " + expected.getDedupKey() + " "
                        + expected.getStatus() + ": actual " + a + " (model episode started " + expected.getStartsAt() + ")\n"
                        + describe(actual));
            }
            String key = actual.getDedupKey() + "@";
            Instant starts = actual.getStartsAt();
            if (a.equals(uuid(key + starts))) alertIdFormats.add("nameUUID(dedupKey@ISO-instant)");
            else if (a.equals(uuid(key + starts.toEpochMilli()))) alertIdFormats.add("nameUUID(dedupKey@epochMillis)");
            else alertIdFormats.add("other");
            return null;
        }
    }

    private static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static Mismatch compareDeadLetters(int index, List<ReferenceModel.ExpectedDeadLetter> expected,
                                               List<DeadLetter> actual) {
        Comparator<ReferenceModel.ExpectedDeadLetter> ce = Comparator.comparing(ReferenceModel.ExpectedDeadLetter::topic)
                .thenComparingLong(ReferenceModel.ExpectedDeadLetter::offset);
        Comparator<DeadLetter> ca = Comparator.comparing(DeadLetter::getSourceTopic).thenComparingLong(DeadLetter::getSourceOffset);
        expected.sort(ce);
        actual.sort(ca);
        int n = Math.max(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            ReferenceModel.ExpectedDeadLetter e = i < expected.size() ? expected.get(i) : null;
            DeadLetter a = i < actual.size() ? actual.get(i) : null;
            if (e == null) {
                return new Mismatch(index, "deadletter.unexpected:" + a.getReason(), "unexpected dead letter " + describeDl(a));
            }
            if (a == null) {
                return new Mismatch(index, "deadletter.missing:" + e.reason(), "missing dead letter " + e);
            }
            boolean same = e.reason() == a.getReason() && e.topic().equals(a.getSourceTopic())
                    && e.partition() == a.getSourcePartition() && e.offset() == a.getSourceOffset()
                    && (e.eventId() == null || e.eventId().isEmpty() || e.eventId().equals(a.getEventId()));
            if (!same) {
                String sig = e.topic().equals(a.getSourceTopic()) && e.offset() == a.getSourceOffset()
                        ? "deadletter.reason:" + e.reason() + "->" + a.getReason() : "deadletter.which:" + e.reason();
                return new Mismatch(index, sig, "expected " + e + "\n  actual " + describeDl(a));
            }
        }
        return null;
    }

    private static String describeDl(DeadLetter a) {
        return "DeadLetter[" + a.getReason() + " " + a.getSourceTopic() + "/" + a.getSourcePartition() + "@"
                + a.getSourceOffset() + " eventId=" + a.getEventId() + " detail=" + a.getDetail() + "]";
    }

    private static <T, V> Map<String, List<V>> group(List<T> items, Function<T, String> key, Function<T, V> value) {
        Map<String, List<V>> out = new LinkedHashMap<>();
        for (T t : items) out.computeIfAbsent(key.apply(t), k -> new ArrayList<>()).add(value.apply(t));
        return out;
    }

    private static <V extends SpecificRecord> Mismatch compareGroups(int index, String what, Map<String, List<V>> expected,
                                                                   Map<String, List<V>> actual, Set<String> skipped) {
        Set<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        for (String key : keys) {
            List<V> e = expected.getOrDefault(key, List.of());
            List<V> a = actual.getOrDefault(key, List.of());
            int n = Math.min(e.size(), a.size());
            for (int i = 0; i < n; i++) {
                String diff = diff(e.get(i), a.get(i), skipped);
                if (diff != null) {
                    return new Mismatch(index, what + "." + diff, key + " record " + (i + 1) + "/" + e.size()
                            + " of this step differs in " + diff + "\n  expected " + describe(e.get(i))
                            + "\n  actual   " + describe(a.get(i)));
                }
            }
            if (e.size() != a.size()) {
                return new Mismatch(index, what + ".count", key + ": expected " + e.size() + " record(s) at this step, got "
                        + a.size() + (e.size() > n ? "\n  first missing " + describe(e.get(n)) : "")
                        + (a.size() > n ? "\n  first extra   " + describe(a.get(n)) : ""));
            }
        }
        return null;
    }

    /** The first differing field (null if equal): doubles within {@link #TOLERANCE}, nulls exactly. */
    static String diff(SpecificRecord expected, SpecificRecord actual, Set<String> skipped) {
        Schema schema = expected.getSchema();
        boolean noConversions = expected instanceof ChannelAlert ca && ca.getRule() == AlertRule.NO_CONVERSIONS;
        for (Schema.Field f : schema.getFields()) {
            if (skipped.contains(f.name())) continue;
            // NO_CONVERSIONS has no ratio threshold of its own: what its records carry there is not specified.
            if (noConversions && (f.name().equals("threshold") || f.name().equals("criticalThreshold"))) continue;
            Object e = expected.get(f.pos());
            Object a = actual.get(f.pos());
            if (e == null || a == null) {
                if (e != a) return f.name();
                continue;
            }
            if (e instanceof Double de && a instanceof Double da) {
                double tolerance = INTERVAL_FIELDS.contains(f.name()) ? INTERVAL_TOLERANCE : TOLERANCE;
                if (!close(de, da, tolerance)) return f.name();
            } else if (e instanceof Map<?, ?> me && a instanceof Map<?, ?> ma) {
                if (!texts(me).equals(texts(ma))) return f.name();
            } else if (!e.toString().equals(a.toString())) {
                return f.name();
            }
        }
        return null;
    }

    public static boolean close(double e, double a) {
        return close(e, a, TOLERANCE);
    }

    private static boolean close(double e, double a, double tolerance) {
        if (Double.isNaN(e) || Double.isNaN(a)) return Double.isNaN(e) && Double.isNaN(a);
        if (e == a) return true;
        double d = Math.abs(e - a);
        return d <= tolerance || d <= tolerance * Math.max(Math.abs(e), Math.abs(a));
    }

    /** An Avro map (Utf8 or String keys and values, any order) as sorted strings. */
    private static Map<String, String> texts(Map<?, ?> m) {
        Map<String, String> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    /** Fields that present a record (texts, links, routing labels) rather than figures: left out of descriptions. */
    private static final Set<String> PRESENTATION = Set.of("message", "reportingCurrency", "runbookUrl", "summary",
            "description", "dashboardUrl", "labels", "source");

    static String describe(SpecificRecord r) {
        StringBuilder sb = new StringBuilder(r.getSchema().getName()).append('{');
        for (Schema.Field f : r.getSchema().getFields()) {
            if (PRESENTATION.contains(f.name())) continue;
            Object v = r.get(f.pos());
            sb.append(f.name()).append('=').append(v).append(", ");
        }
        sb.setLength(sb.length() - 2);
        return sb.append('}').toString();
    }

    /** The kind of each alert transition of the model, in order: for coverage. */
    public static List<String> transitionKinds(ReferenceModel model) {
        List<String> kinds = new ArrayList<>();
        Map<String, ChannelAlert> last = new HashMap<>();
        for (ReferenceModel.Transition t : model.transitions()) {
            ChannelAlert a = t.alert();
            ChannelAlert prev = last.put(t.dedupKey(), a);
            boolean wasFiring = prev != null && prev.getStatus() == AlertStatus.FIRING;
            if (a.getRule() == AlertRule.NO_CONVERSIONS) {
                kinds.add(a.getStatus() == AlertStatus.FIRING ? "NO_CONVERSIONS fire" : "NO_CONVERSIONS resolve");
            } else if (a.getStatus() == AlertStatus.RESOLVED) {
                kinds.add("LTV_CAC resolve");
            } else if (!wasFiring) {
                kinds.add("LTV_CAC fire " + a.getSeverity());
            } else {
                kinds.add(a.getSeverity().ordinal() > prev.getSeverity().ordinal() ? "LTV_CAC escalate" : "LTV_CAC de-escalate");
            }
        }
        return kinds;
    }
}
