package io.cacstreams.topology;

import io.cacstreams.alerts.AlertEvaluator;
import io.cacstreams.alerts.AlertInput;
import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.internal.AlertState;
import io.cacstreams.internal.ChannelFact;
import io.cacstreams.internal.ChannelState;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.FactKind;
import io.cacstreams.internal.WindowTotals;
import io.cacstreams.metrics.CustomerBase;
import io.cacstreams.metrics.Economics;
import io.cacstreams.metrics.WindowCounts;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The per-channel stage (keyed by channel, and ALL): keeps the rolling windows and the active customer base, and
 * emits one metrics record per (channel, window) and any alert transitions
 * <ul>
 * <li>for every channel marked changed, at most once per emit interval (a wall-clock punctuation), and</li>
 * <li>for every channel of the task whenever stream time enters a new bucket, so quiet channels roll forward.</li>
 * </ul>
 */
final class ChannelMetricsProcessor implements Processor<String, ChannelFact, String, Routed> {
    private final AppConfig config;
    private final TopologyObserver observer;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, ChannelState> states;
    private KeyValueStore<String, AlertState> alerts;
    private ChannelWindows windows;
    private Deduplicator dedup;
    private StreamClock clock;

    ChannelMetricsProcessor(AppConfig config, TopologyObserver observer) {
        this.config = config;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.states = context.getStateStore(StoreNames.CHANNEL_STATE);
        this.alerts = context.getStateStore(StoreNames.ALERT_STATE);
        KeyValueStore<Bytes, Counts> buckets = context.getStateStore(StoreNames.CHANNEL_BUCKETS);
        this.windows = new ChannelWindows(buckets, config);
        this.dedup = Deduplicator.of(context.getStateStore(StoreNames.CHANNEL_DEDUP), config);
        this.clock = new StreamClock(context.getStateStore(StoreNames.CHANNEL_CLOCK));
        context.schedule(config.emitInterval(), PunctuationType.WALL_CLOCK_TIME, t -> emitChanged());
    }

    @Override
    public void process(Record<String, ChannelFact> record) {
        ChannelFact f = record.value();
        String channel = record.key();
        Long before = clock.now();
        clock.advance(f.getOccurredAt());
        long now = clock.now();
        if ((f.getKind() == FactKind.SPEND || f.getKind() == FactKind.LEAD)
                && dedup.check(channel + "|" + f.getKind() + "|" + f.getEventId(), now,
                Deduplicator.coordinates(f.getOrigin()), Deduplicator.read(context)) == Deduplicator.Verdict.DUPLICATE) {
            if (!AppConfig.ALL.equals(channel)) observer.duplicate(f.getKind() == FactKind.SPEND
                    ? config.topics().spend() : config.topics().leads());
            return;
        }
        long current = windows.bucketStart(now);
        ChannelState st = states.get(channel);
        if (st == null) {
            st = windows.fresh(channel, current);
        } else {
            windows.reconcile(st);
            windows.roll(st, current);
        }
        if (f.getKind() == FactKind.SPEND) {
            st.setFirstSpendBucket(Math.min(st.getFirstSpendBucket(), windows.bucketStart(f.getOccurredAt())));
        }
        apply(st, f);
        st.setDirty(true);
        states.put(channel, st);
        if (before == null || current > windows.bucketStart(before)) rollAndEmitAll(current);
    }

    private void apply(ChannelState st, ChannelFact f) {
        long at = f.getOccurredAt();
        switch (f.getKind()) {
            case SPEND -> windows.add(st, at, c -> c.setSpend(c.getSpend().add(f.getAmount())));
            case LEAD -> windows.add(st, at, c -> {
                c.setLeads(c.getLeads() + 1);
                if (f.getQualityScore() != null) {
                    c.setQualitySum(c.getQualitySum() + f.getQualityScore());
                    c.setQualityCount(c.getQualityCount() + 1);
                }
            });
            case ACQUIRED -> {
                st.setActive(st.getActive() + 1);
                st.setActiveRevenue(st.getActiveRevenue().add(f.getMonthlyRevenue()));
                st.setActiveMargin(st.getActiveMargin().add(f.getMargin()));
                windows.add(st, at, c -> c.setNewCustomers(c.getNewCustomers() + 1));
            }
            case CHURNED -> {
                st.setActive(st.getActive() - 1);
                st.setActiveRevenue(st.getActiveRevenue().subtract(f.getMonthlyRevenue()));
                st.setActiveMargin(st.getActiveMargin().subtract(f.getMargin()));
                windows.add(st, at, c -> c.setChurned(c.getChurned() + 1));
                windows.add(st, f.getAcquiredAt(), c -> c.setChurnedNew(c.getChurnedNew() + 1));
            }
        }
    }

    /** Stream time entered a new bucket: roll every channel of this task forward and emit it. */
    private void rollAndEmitAll(long current) {
        for (KeyValue<String, ChannelState> kv : allStates()) {
            ChannelState st = kv.value;
            windows.reconcile(st);
            windows.roll(st, current);
            emit(st);
            states.put(kv.key, st);
        }
    }

    /** The emit-interval punctuation: emit the channels that changed since they were last emitted. */
    private void emitChanged() {
        for (KeyValue<String, ChannelState> kv : allStates()) {
            if (kv.value.getDirty()) {
                emit(kv.value);
                states.put(kv.key, kv.value);
            }
        }
    }

    private List<KeyValue<String, ChannelState>> allStates() {
        List<KeyValue<String, ChannelState>> all = new ArrayList<>();
        try (KeyValueIterator<String, ChannelState> it = states.all()) {
            while (it.hasNext()) all.add(it.next());
        }
        return all;
    }

    private void emit(ChannelState st) {
        st.setDirty(false);
        Long now = clock.now();
        if (now == null) return;
        String channel = st.getChannel();
        AlertEvaluator evaluator = new AlertEvaluator(config.alertsFor(channel), config.runbookUrl(),
                config.reportingCurrency());
        CustomerBase base = new CustomerBase(st.getActive(), st.getActiveRevenue(), st.getActiveMargin());
        for (WindowTotals w : st.getWindows()) {
            int days = (int) (w.getLengthMs() / 86_400_000L);
            Counts t = w.getTotals();
            WindowCounts counts = new WindowCounts(t.getSpend(), t.getLeads(), t.getQualitySum(), t.getQualityCount(),
                    t.getNewCustomers(), t.getChurned(), t.getChurnedNew());
            Economics e = Economics.of(counts, base, days, config.monthlyDiscountRate(), config.horizonMonths());
            long windowStart = windows.firstBucket(st.getCurrentBucket(), w.getLengthMs());
            AlertInput in = new AlertInput(channel, days, e.ltvToCac(), e.cac(), e.ltv(), t.getSpend().doubleValue(),
                    t.getNewCustomers(), st.getFirstSpendBucket() <= windowStart, now);
            AlertState ltvState = evaluate(AlertRule.LTV_CAC_BELOW_TARGET, in, evaluator);
            AlertState noConvState = evaluate(AlertRule.NO_CONVERSIONS, in, evaluator);
            ChannelMetrics m = ChannelMetrics.newBuilder()
                    .setChannel(channel).setWindowDays(days)
                    .setWindowStart(Instant.ofEpochMilli(windowStart))
                    .setWindowEnd(Instant.ofEpochMilli(st.getCurrentBucket() + config.bucket().toMillis()))
                    .setAsOf(Instant.ofEpochMilli(now))
                    .setReportingCurrency(config.reportingCurrency())
                    .setSpend(t.getSpend().doubleValue()).setLeads(t.getLeads())
                    .setAvgLeadQuality(e.avgLeadQuality()).setNewCustomers(t.getNewCustomers())
                    .setChurned(t.getChurned()).setChurnedNew(t.getChurnedNew())
                    .setActiveCustomers(st.getActive()).setCustomersAtStart(e.customersAtStart())
                    .setCpl(e.cpl()).setLeadToCustomerRate(e.leadToCustomerRate()).setCac(e.cac())
                    .setArpu(e.arpu()).setGrossMargin(e.grossMargin()).setChurnRate(e.churnRate())
                    .setMonthlyChurnRate(e.monthlyChurnRate()).setRetentionRate(e.retentionRate())
                    .setLtv(e.ltv()).setLtvToCac(e.ltvToCac()).setCacPaybackMonths(e.cacPaybackMonths())
                    .setStatus(evaluator.status(ltvState, noConvState, in))
                    .build();
            observer.metrics(m);
            context.forward(new Record<>(metricsKey(channel, days), new Routed.Metric(m), now));
        }
    }

    private AlertState evaluate(AlertRule rule, AlertInput in, AlertEvaluator evaluator) {
        String key = AlertEvaluator.dedupKey(rule, in.channel(), in.windowDays());
        AlertState s = alerts.get(key);
        if (s == null) s = AlertEvaluator.idle();
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
}
