package io.cacstreams.topology;

import io.cacstreams.alerts.AlertEvaluator;
import io.cacstreams.alerts.AlertInput;
import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.MetricStatus;
import io.cacstreams.internal.AlertState;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.ChannelState;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.PartialKind;
import io.cacstreams.internal.WindowTotals;
import io.cacstreams.metrics.CustomerBase;
import io.cacstreams.metrics.Economics;
import io.cacstreams.metrics.LtvCacInterval;
import io.cacstreams.metrics.WindowCounts;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The per-channel stage, keyed by channel (and ALL), fed with partials by the bucket and customer stages. It keeps
 * the rolling windows and the customer base, and emits per (channel, window):
 * <ul>
 * <li>a <em>settled</em> metrics record for every bucket the watermark (over every upstream task) has passed by the
 * grace, for every channel of the task, and the alert transitions evaluated on it: a function of the input alone;</li>
 * <li>a live snapshot of every channel that received partials, every {@code cac.emit.interval} of wall-clock time:
 * the settled figures plus everything received since (not alert-relevant; replaced by later records).</li>
 * </ul>
 */
final class ChannelMetricsProcessor implements Processor<String, ChannelPartial, String, Routed> {
    private static final Logger log = LoggerFactory.getLogger(ChannelMetricsProcessor.class);
    private static final String SETTLED = "~settled";
    /**
     * The longest one call walks settled buckets before it leaves the rest to the next record or to the continuation
     * punctuation: under exactly-once every record the walk emits is in one transaction, which the broker aborts
     * (fencing the producer) once it is open for {@code transaction.timeout.ms}, 10 s in Kafka Streams; the task then
     * starts over from its last commit, with the same walk (found by bench: a gap of years between the customer base
     * and the live events made the latency phase livelock so). A few tasks of one thread may each walk this long
     * between two commits.
     */
    static final Duration WALK_SLICE = Duration.ofMillis(1000);
    /** How often the continuation punctuation looks for a walk left unfinished. */
    private static final Duration CONTINUATION = Duration.ofMillis(100);
    private final AppConfig config;
    private final Settling settling;
    private final Map<String, Integer> sources;
    private final TopologyObserver observer;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, ChannelState> stateStore;
    private final Map<String, ChannelState> states = new TreeMap<>();
    private Mirrored<Bytes, ChannelPartial> pending;
    private Mirrored<String, AlertState> alerts;
    private KeyValueStore<String, String> progressStore;
    private ChannelWindows windows;
    private Progress progress;
    private Long settledUpTo;
    private final Set<String> dirty = new HashSet<>();
    private final Map<String, Figures> figures = new HashMap<>();

    private ChannelMetricsProcessor(AppConfig config, TopologyObserver observer) {
        this.config = config;
        this.settling = new Settling(config);
        int n = config.state().repartitionPartitions();
        this.sources = Map.of(BucketProcessor.GROUP, n, CustomerProcessor.GROUP, n);
        this.observer = observer;
    }

    static ProcessorSupplier<String, ChannelPartial, String, Routed> supplier(AppConfig config,
                                                                              TopologyObserver observer) {
        // ordered: the stores are listed in this order in the topology's description (a golden test)
        Set<StoreBuilder<?>> stores = new LinkedHashSet<>(List.of(
                StoreFactory.kv(config, StoreNames.CHANNEL_STATE, Serdes.String(),
                        StoreFactory.serde(ChannelState.class)),
                StoreFactory.kv(config, StoreNames.CHANNEL_BUCKETS, Serdes.Bytes(), StoreFactory.serde(Counts.class)),
                StoreFactory.kv(config, StoreNames.CHANNEL_PENDING, Serdes.Bytes(),
                        StoreFactory.serde(ChannelPartial.class)),
                StoreFactory.kv(config, StoreNames.CHANNEL_PROGRESS, Serdes.String(), Serdes.String()),
                StoreFactory.kv(config, StoreNames.ALERT_STATE, Serdes.String(), StoreFactory.serde(AlertState.class))));
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, ChannelPartial, String, Routed> get() {
                return new ChannelMetricsProcessor(config, observer);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return stores;
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.stateStore = context.getStateStore(StoreNames.CHANNEL_STATE);
        this.pending = new Mirrored<>(context.getStateStore(StoreNames.CHANNEL_PENDING));
        this.alerts = new Mirrored<>(context.getStateStore(StoreNames.ALERT_STATE));
        this.progressStore = context.getStateStore(StoreNames.CHANNEL_PROGRESS);
        this.windows = new ChannelWindows(context.getStateStore(StoreNames.CHANNEL_BUCKETS), config);
        this.progress = new Progress(progressStore, sources);
        String settled = progressStore.get(SETTLED);
        this.settledUpTo = settled == null ? null : Long.parseLong(settled);
        states.clear();
        try (KeyValueIterator<String, ChannelState> it = stateStore.all()) {
            while (it.hasNext()) {
                KeyValue<String, ChannelState> kv = it.next();
                windows.reconcile(kv.value);
                states.put(kv.key, kv.value);
            }
        }
        context.schedule(config.emitInterval(), PunctuationType.WALL_CLOCK_TIME, t -> snapshots());
        context.schedule(CONTINUATION, PunctuationType.WALL_CLOCK_TIME, t -> {
            if (behind()) settle();
        });
    }

    @Override
    public void process(Record<String, ChannelPartial> record) {
        ChannelPartial p = record.value();
        if (p.getKind() == PartialKind.PROGRESS) {
            if (progress.update(Markers.group(p), Markers.partition(p), p.getWatermark(), p.getIdle()) || behind()) {
                settle();
            }
            return;
        }
        if (behind()) settle(); // a walk left unfinished goes on first, as if it had been done in one go
        // only after an idle upstream partition can a partial come for a bucket settled already (or due to be: the
        // watermark has passed it): it counts from the next settled bucket on (docs/semantics.md, "Idle partitions")
        Long floor = settledFloor();
        if (floor != null && p.getSettle() < floor) {
            log.info("counts of {} for bucket {} arrived after bucket {} settled (an input partition was idle): they"
                    + " count from bucket {} on", p.getChannel(), Instant.ofEpochMilli(p.getBucket()),
                    Instant.ofEpochMilli(p.getSettle()), Instant.ofEpochMilli(floor));
            p.setSettle(floor);
        }
        Bytes key = pendingKey(p.getSettle(), p.getChannel(), p.getBucket());
        ChannelPartial held = pending.get(key);
        if (held == null) {
            held = p;
        } else {
            Partials.merge(held, p.getCounts(), p.getActiveDelta(), p.getRevenueDelta(), p.getMarginDelta());
        }
        pending.put(key, held);
        dirty.add(p.getChannel());
    }

    /** True while buckets the watermark has passed are not all settled yet (a walk cut at {@link #WALK_SLICE}). */
    private boolean behind() {
        Long w = progress.watermark();
        return w != null && settledUpTo != null && settledUpTo < settling.settledBefore(w);
    }

    /** Every bucket before this one is settled or due to be (the watermark passed it); null before any watermark. */
    private Long settledFloor() {
        Long w = progress.watermark();
        if (w == null || settledUpTo == null) return settledUpTo;
        return Math.max(settledUpTo, settling.settledBefore(w));
    }

    /**
     * Settles every bucket the watermark has passed by the grace, in order, for at most {@link #WALK_SLICE}; the
     * records emitted and their order do not depend on where a walk is cut.
     */
    private void settle() {
        Long w = progress.watermark();
        if (w == null) return;
        long limit = settling.settledBefore(w);
        long bucket = settledUpTo != null ? settledUpTo : firstPendingSettle().orElse(limit);
        long deadline = System.nanoTime() + WALK_SLICE.toNanos();
        boolean any = false;
        boolean cut = false;
        while (bucket < limit) {
            if (states.isEmpty()) {
                Optional<Long> next = firstPendingSettle();
                if (next.isEmpty() || next.get() >= limit) break;
                bucket = Math.max(bucket, next.get());
            }
            if (any && System.nanoTime() > deadline) {
                cut = true;
                break;
            }
            settle(bucket);
            any = true;
            bucket += settling.bucketSize();
        }
        // the states are written once per walk, not once per bucket: the store holds them before this call returns,
        // so before any commit
        if (any) states.values().forEach(st -> stateStore.put(st.getChannel(), st));
        // every bucket before the limit is settled now, whether counts were pending there or not (never the first
        // pending bucket: counts with an earlier settle may still come; the property test found that); a cut walk
        // goes on from where it stopped
        if (cut) settledUpTo = bucket;
        else settledUpTo = settledUpTo == null ? limit : Math.max(settledUpTo, limit);
        progressStore.put(SETTLED, Long.toString(settledUpTo));
    }

    private void settle(long bucket) {
        Map<String, List<ChannelPartial>> arriving = new TreeMap<>();
        Map<Bytes, ChannelPartial> due = pending.range(settlePrefix(bucket), settlePrefix(bucket + 1));
        for (ChannelPartial p : due.values()) {
            arriving.computeIfAbsent(p.getChannel(), c -> new ArrayList<>()).add(p);
        }
        new ArrayList<>(due.keySet()).forEach(pending::delete);
        for (String channel : arriving.keySet()) {
            states.computeIfAbsent(channel, c -> windows.fresh(c, bucket));
        }
        for (ChannelState st : states.values()) {
            windows.step(st, bucket);
            for (ChannelPartial p : arriving.getOrDefault(st.getChannel(), List.of())) windows.apply(st, p);
            emit(st, st.getCurrentBucket(), totals(st), true, st.getActive(), st.getActiveRevenue(),
                    st.getActiveMargin());
            dirty.add(st.getChannel()); // the next snapshot shows the newly settled figures plus what is pending
        }
    }

    private Optional<Long> firstPendingSettle() {
        return pending.all().isEmpty() ? Optional.empty() : Optional.of(pending.all().firstEntry().getValue().getSettle());
    }

    /** The punctuation: a live snapshot of every channel that received partials since its last one. */
    private void snapshots() {
        if (dirty.isEmpty()) return;
        Map<String, List<ChannelPartial>> held = new TreeMap<>();
        for (ChannelPartial p : pending.all().values()) {
            if (dirty.contains(p.getChannel())) held.computeIfAbsent(p.getChannel(), c -> new ArrayList<>()).add(p);
        }
        for (String channel : dirty) {
            List<ChannelPartial> ps = held.getOrDefault(channel, List.of());
            ChannelState st = states.get(channel);
            if (st == null) {
                long first = ps.stream().mapToLong(ChannelPartial::getBucket).min().orElse(0L);
                st = windows.fresh(channel, first);
            }
            long current = st.getCurrentBucket();
            long active = st.getActive();
            BigDecimal revenue = st.getActiveRevenue();
            BigDecimal margin = st.getActiveMargin();
            for (ChannelPartial p : ps) {
                current = Math.max(current, p.getBucket());
                active += p.getActiveDelta();
                revenue = revenue.add(p.getRevenueDelta());
                margin = margin.add(p.getMarginDelta());
            }
            emit(st, current, windows.provisional(st, current, ps), false, active, revenue, margin);
        }
        dirty.clear();
    }

    private static List<Counts> totals(ChannelState st) {
        return st.getWindows().stream().map(WindowTotals::getTotals).toList();
    }

    private void emit(ChannelState st, long current, List<Counts> totals, boolean settled, long active,
                      BigDecimal revenue, BigDecimal margin) {
        String channel = st.getChannel();
        long end = current + settling.bucketSize();
        AlertEvaluator evaluator = AlertEvaluator.forChannel(config, channel);
        CustomerBase base = new CustomerBase(active, revenue, margin);
        for (int i = 0; i < totals.size(); i++) {
            WindowTotals w = st.getWindows().get(i);
            int days = (int) (w.getLengthMs() / 86_400_000L);
            Counts t = totals.get(i);
            WindowCounts counts = new WindowCounts(t.getSpend(), t.getLeads(), t.getQualitySum(), t.getQualityCount(),
                    t.getNewCustomers(), t.getChurned(), t.getChurnedNew());
            Figures f = figures(channel, days, counts, base);
            Economics e = f.economics();
            long windowStart = windows.firstBucket(current, w.getLengthMs());
            LtvCacInterval iv = f.interval();
            // CAC comes from spend: a window starting before the channel's first spend is not covered yet (a
            // customer history imported long before says nothing about it); a channel without spend never alerts
            boolean covered = st.getFirstSpendBucket() <= windowStart || st.getFirstSpendBucket() == Long.MAX_VALUE;
            AlertInput in = new AlertInput(channel, days, iv, e.cac(), e.ltv(), t.getSpend().doubleValue(),
                    t.getNewCustomers(), st.getFirstSpendBucket() <= windowStart, covered, end);
            AlertState ltvState = settled ? evaluate(AlertRule.LTV_CAC_BELOW_TARGET, in, evaluator)
                    : state(AlertRule.LTV_CAC_BELOW_TARGET, in);
            AlertState noConvState = settled ? evaluate(AlertRule.NO_CONVERSIONS, in, evaluator)
                    : state(AlertRule.NO_CONVERSIONS, in);
            MetricStatus status = evaluator.status(ltvState, noConvState, in);
            ChannelMetrics m = ChannelMetrics.newBuilder()
                    .setChannel(channel).setWindowDays(days)
                    .setWindowStart(Instant.ofEpochMilli(windowStart))
                    .setWindowEnd(Instant.ofEpochMilli(end))
                    .setAsOf(Instant.ofEpochMilli(end - 1)) // the last instant the window covers
                    .setReportingCurrency(config.reportingCurrency())
                    .setSpend(t.getSpend().doubleValue()).setLeads(t.getLeads())
                    .setAvgLeadQuality(e.avgLeadQuality()).setNewCustomers(t.getNewCustomers())
                    .setChurned(t.getChurned()).setChurnedNew(t.getChurnedNew())
                    .setActiveCustomers(active).setCustomersAtStart(e.customersAtStart())
                    .setCpl(e.cpl()).setLeadToCustomerRate(e.leadToCustomerRate()).setCac(e.cac())
                    .setArpu(e.arpu()).setGrossMargin(e.grossMargin()).setChurnRate(e.churnRate())
                    .setMonthlyChurnRate(e.monthlyChurnRate()).setRetentionRate(e.retentionRate())
                    .setLtv(e.ltv()).setLtvToCac(e.ltvToCac()).setCacPaybackMonths(e.cacPaybackMonths())
                    .setLtvToCacLower(iv.lower()).setLtvToCacUpper(iv.upper()).setConfidence(iv.confidence())
                    .setStatus(status).setSettled(settled)
                    .build();
            observer.metrics(m);
            context.forward(new Record<>(metricsKey(channel, days), new Routed.Metric(m), end));
        }
    }

    /** The figures of one window computed from its counts and the customer base, kept with what they came from. */
    private record Figures(WindowCounts counts, CustomerBase base, Economics economics, LtvCacInterval interval) {
    }

    /**
     * The figures of a (channel, window), computed again only when its counts or the customer base changed since its
     * last record: they are pure functions of those, and the interval's inverse distribution functions were a good
     * part of the channel stage's time (perf notes); a window over a stretch without events repeats its figures.
     */
    private Figures figures(String channel, int days, WindowCounts counts, CustomerBase base) {
        String key = metricsKey(channel, days);
        Figures last = figures.get(key);
        if (last != null && last.counts().equals(counts) && last.base().equals(base)) return last;
        Economics e = Economics.of(counts, base, days, config.monthlyDiscountRate(), config.horizonMonths());
        LtvCacInterval iv = LtvCacInterval.of(e, counts, days, config.monthlyDiscountRate(), config.horizonMonths(),
                config.alertsFor(channel).confidence());
        Figures f = new Figures(counts, base, e, iv);
        figures.put(key, f);
        return f;
    }

    private AlertState state(AlertRule rule, AlertInput in) {
        AlertState s = alerts.get(AlertEvaluator.dedupKey(rule, in.channel(), in.windowDays()));
        return s == null ? AlertEvaluator.idle() : s;
    }

    private AlertState evaluate(AlertRule rule, AlertInput in, AlertEvaluator evaluator) {
        String key = AlertEvaluator.dedupKey(rule, in.channel(), in.windowDays());
        AlertState s = state(rule, in);
        AlertEvaluator.Outcome o = rule == AlertRule.NO_CONVERSIONS ? evaluator.noConversions(s, in)
                : evaluator.ltvToCac(s, in);
        if (!o.state().equals(s)) {
            if (!o.state().getFiring() && o.state().getPendingSince() == null) alerts.delete(key);
            else alerts.put(key, o.state());
        }
        Optional<ChannelAlert> transition = o.transition();
        transition.ifPresent(a -> {
            observer.alert(a);
            context.forward(new Record<>(a.getDedupKey(), new Routed.Alert(a), in.now()));
        });
        return o.state();
    }

    static String metricsKey(String channel, int days) {
        return channel + "|" + days + "d";
    }

    private static Bytes settlePrefix(long settle) {
        return Bytes.wrap(ByteBuffer.allocate(8).putLong(settle ^ Long.MIN_VALUE).array());
    }

    private static Bytes pendingKey(long settle, String channel, long bucket) {
        byte[] c = channel.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(17 + c.length).putLong(settle ^ Long.MIN_VALUE).put(c).put((byte) 0)
                .putLong(bucket ^ Long.MIN_VALUE).array());
    }
}
