package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.CustomerRecord;
import io.cacstreams.internal.PendingChurns;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The customer table, keyed by customerId: conversions and churns meet here whatever key their producers used.
 * They are never LATE: the customer base (active customers, their revenue and margin) is not windowed, so an old
 * conversion still makes an active customer; its windowed counts simply fall outside every window.
 * A conversion of an unknown or churned customer acquires them (a churned one is reactivated); of an active one it is
 * ALREADY_ACTIVE. A churn of an active customer is attributed to the channel they were acquired through; a churn that
 * arrives before its conversion is held, and applied by a conversion read at a clock no later than the churn's
 * occurredAt plus the hold; once every conversions partition is past that point it is given up on.
 * Every id that took effect on a customer is kept with the customer, so a copy re-sent at any later time is a
 * duplicate. What it counts goes to the channel stage as partials ({@link Partials}), like the bucket stage's.
 */
final class CustomerProcessor implements Processor<String, CustomerEvent, String, Routed> {
    static final String GROUP = "customer";
    private final AppConfig config;
    private final Settling settling;
    private final Map<String, Integer> sources;
    private final boolean replays;
    private final TopologyObserver observer;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, CustomerRecord> customers;
    private KeyValueStore<String, PendingChurns> pending;
    private Partials partials;
    private Progress progress;
    private Long lastExpiry;

    private CustomerProcessor(AppConfig config, TopologyObserver observer) {
        this.config = config;
        this.settling = new Settling(config);
        this.sources = Map.of(config.topics().conversions(), config.state().inputPartitions().conversions(),
                config.topics().churn(), config.state().inputPartitions().churn());
        this.replays = BucketProcessor.atLeastOnce(config);
        this.observer = observer;
    }

    static ProcessorSupplier<String, CustomerEvent, String, Routed> supplier(AppConfig config,
                                                                             TopologyObserver observer) {
        // ordered: the stores are listed in this order in the topology's description (a golden test)
        Set<StoreBuilder<?>> stores = new LinkedHashSet<>(List.of(
                StoreFactory.kv(config, StoreNames.CUSTOMERS, Serdes.String(),
                        StoreFactory.serde(CustomerRecord.class)),
                StoreFactory.kv(config, StoreNames.PENDING_CHURNS, Serdes.String(),
                        StoreFactory.serde(PendingChurns.class)),
                StoreFactory.kv(config, StoreNames.CUSTOMER_PARTIALS, Serdes.Bytes(),
                        StoreFactory.serde(ChannelPartial.class)),
                StoreFactory.kv(config, StoreNames.CUSTOMER_PROGRESS, Serdes.String(), Serdes.String())));
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, CustomerEvent, String, Routed> get() {
                return new CustomerProcessor(config, observer);
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
        this.customers = context.getStateStore(StoreNames.CUSTOMERS);
        this.pending = context.getStateStore(StoreNames.PENDING_CHURNS);
        this.partials = new Partials(context.getStateStore(StoreNames.CUSTOMER_PARTIALS));
        this.progress = new Progress(context.getStateStore(StoreNames.CUSTOMER_PROGRESS), sources);
        // null: the first marker after a (re)assignment gives up on whatever the restored watermark allows
        this.lastExpiry = null;
        context.schedule(config.emitInterval(), PunctuationType.WALL_CLOCK_TIME,
                t -> partials.flush(context, timestamp()));
    }

    @Override
    public void process(Record<String, CustomerEvent> record) {
        CustomerEvent e = record.value();
        if (e.getKind() == CustomerEventKind.PROGRESS) {
            Long clock = e.getHasClock() ? e.getClock() : null;
            boolean moved = progress.update(e.getOrigin().getTopic(), e.getOrigin().getPartition(), clock,
                    e.getIdle());
            giveUpExpired();
            if (moved) moved();
            return;
        }
        // where the record came from and where this stage read it: the same pair again is this stage's own re-read
        String from = EventIds.coordinates(e.getOrigin()) + "|" + EventIds.read(context);
        switch (e.getKind()) {
            case CONVERSION -> convert(e, from);
            case CHURN -> churn(e, from);
            case PROGRESS -> throw new IllegalStateException("handled above");
        }
    }

    /** @param from the coordinates of the input record of {@code e} */
    private void convert(CustomerEvent e, String from) {
        CustomerRecord existing = customers.get(e.getCustomerId());
        String tag = "C:" + e.getEventId();
        if (existing != null && existing.getEventIds().contains(tag)) {
            if (replays && existing.getActive() && from.equals(existing.getAcquiredFrom())) {
                // this very record read again (at-least-once after a crash): its effect is in the table, its partial
                // may be lost downstream; count it again (more than once is allowed there, loss never)
                acquired(existing);
            } else {
                observer.duplicate(e.getOrigin().getTopic());
            }
            return;
        }
        if (existing != null && existing.getActive()) {
            dead(DeadLetterReason.ALREADY_ACTIVE, "customer " + e.getCustomerId() + " is already active (acquired via "
                    + existing.getChannel() + " at " + Instant.ofEpochMilli(existing.getAcquiredAt()) + ")", e);
            return;
        }
        BigDecimal margin = BigDecimal.valueOf(e.getGrossMargin() != null ? e.getGrossMargin()
                : config.marginFor(e.getChannel())).setScale(FxRates.SCALE, RoundingMode.HALF_EVEN);
        List<String> ids = new ArrayList<>(existing == null ? List.of() : existing.getEventIds());
        ids.add(tag);
        CustomerRecord customer = CustomerRecord.newBuilder()
                .setCustomerId(e.getCustomerId()).setChannel(e.getChannel())
                .setMonthlyRevenue(e.getMonthlyRevenue()).setCurrency(e.getCurrency())
                .setMonthlyRevenueReporting(e.getMonthlyRevenueReporting()).setGrossMargin(e.getGrossMargin())
                .setEffectiveMargin(margin).setAcquiredAt(e.getOccurredAt()).setActive(true).setChurnedAt(null)
                .setAcquiredFrom(from).setChurnedFrom(null).setAcquiredClock(e.getClock()).setEventIds(ids)
                .build();
        acquired(customer);

        PendingChurns held = pending.get(e.getCustomerId());
        if (held != null) {
            List<CustomerEvent> remaining = new ArrayList<>();
            List<CustomerEvent> churns = new ArrayList<>(held.getChurns());
            churns.sort(Comparator.comparingLong(CustomerEvent::getOccurredAt));
            for (CustomerEvent c : churns) {
                if (c.getOccurredAt() + config.churnHold().toMillis() < e.getClock()) {
                    // read after the hold: given up on, exactly as the expiry below would have (whichever comes first)
                    giveUp(c, existing);
                } else if (c.getOccurredAt() < customer.getAcquiredAt()) {
                    dead(DeadLetterReason.CHURN_BEFORE_ACQUISITION, beforeAcquisition(c, customer), c);
                } else if (customer.getActive()) {
                    applyChurn(customer, c);
                } else {
                    remaining.add(c);
                }
            }
            if (remaining.isEmpty()) pending.delete(e.getCustomerId());
            else pending.put(e.getCustomerId(), new PendingChurns(remaining));
        }
        customers.put(e.getCustomerId(), customer);
    }

    private void churn(CustomerEvent e, String from) {
        CustomerRecord customer = customers.get(e.getCustomerId());
        String tag = "X:" + e.getEventId();
        if (customer != null && customer.getEventIds().contains(tag)) {
            if (replays && !customer.getActive() && from.equals(customer.getChurnedFrom())) {
                churned(customer, e.getClock()); // a replay, as in convert
            } else {
                observer.duplicate(e.getOrigin().getTopic());
            }
            return;
        }
        if (customer != null && customer.getActive()) {
            if (e.getOccurredAt() < customer.getAcquiredAt()) {
                dead(DeadLetterReason.CHURN_BEFORE_ACQUISITION, beforeAcquisition(e, customer), e);
                return;
            }
            applyChurn(customer, e);
            customers.put(e.getCustomerId(), customer);
            return;
        }
        PendingChurns held = pending.get(e.getCustomerId());
        List<CustomerEvent> churns = held == null ? new ArrayList<>() : new ArrayList<>(held.getChurns());
        for (CustomerEvent c : churns) {
            if (c.getEventId().equals(e.getEventId())) {
                boolean replay = replays && from.startsWith(EventIds.coordinates(c.getOrigin()) + "|");
                if (!replay) observer.duplicate(e.getOrigin().getTopic());
                return;
            }
        }
        if (expired(e, conversionsWatermark())) {
            // read after the conversions watermark passed its hold: the expiry only looks again when that watermark
            // enters a new bucket, which never happens once the conversions have all been read
            giveUp(e, customer);
            return;
        }
        churns.add(e);
        pending.put(e.getCustomerId(), new PendingChurns(churns));
    }

    private void applyChurn(CustomerRecord customer, CustomerEvent churn) {
        customer.setActive(false);
        customer.setChurnedAt(churn.getOccurredAt());
        customer.setChurnedFrom(EventIds.coordinates(churn.getOrigin()) + "|" + EventIds.read(context));
        List<String> ids = new ArrayList<>(customer.getEventIds());
        ids.add("X:" + churn.getEventId());
        customer.setEventIds(ids);
        churned(customer, churn.getClock());
    }

    /** The customer's acquisition: a new customer of the bucket of acquiredAt, and one more in the base. */
    private void acquired(CustomerRecord c) {
        long bucket = settling.bucketStart(c.getAcquiredAt());
        Counts counts = Partials.zero();
        counts.setNewCustomers(1L);
        partials.add(c.getChannel(), bucket, settle(bucket, c.getAcquiredClock()), new Partials.Delta(counts, 1,
                c.getMonthlyRevenueReporting(), c.getEffectiveMargin()));
    }

    /**
     * The customer's churn: a churn in the bucket of churnedAt, one less in the base, and a churn of a customer
     * acquired in the bucket of acquiredAt (churnedNew); read at the later of the two records' clocks.
     */
    private void churned(CustomerRecord c, long churnClock) {
        long clock = Math.max(churnClock, c.getAcquiredClock());
        long bucket = settling.bucketStart(c.getChurnedAt());
        long settle = settle(bucket, clock);
        Counts churned = Partials.zero();
        churned.setChurned(1L);
        partials.add(c.getChannel(), bucket, settle, new Partials.Delta(churned, -1,
                c.getMonthlyRevenueReporting().negate(), c.getEffectiveMargin().negate()));
        // counted by the bucket of the acquisition, but only in windows that reach the churn itself ("churned
        // since"): from the churn's own settle on (a property test found windows before the churn counting it)
        long acquiredBucket = settling.bucketStart(c.getAcquiredAt());
        Counts churnedNew = Partials.zero();
        churnedNew.setChurnedNew(1L);
        partials.add(c.getChannel(), acquiredBucket, settle, Partials.Delta.of(churnedNew));
    }

    private long settle(long bucket, long clock) {
        long settle = settling.settleStart(bucket, clock);
        Long w = progress.watermark();
        return w == null ? settle : Math.max(settle, settling.settledBefore(w));
    }

    /** The lowest clock of the conversions partitions that are not idle, or null while there is none. */
    private Long conversionsWatermark() {
        return progress.lowest(List.of(config.topics().conversions()));
    }

    /** Whether no conversion that could still apply held churn {@code c} can come once {@code conversions} is read. */
    private boolean expired(CustomerEvent c, Long conversions) {
        return conversions != null && c.getOccurredAt() < conversions - config.churnHold().toMillis();
    }

    /** Gives up on the held churns the conversions watermark allows, when it entered a new bucket. */
    private void giveUpExpired() {
        Long conversions = conversionsWatermark();
        if (conversions != null && (lastExpiry == null || bucket(conversions) > bucket(lastExpiry))) {
            lastExpiry = conversions;
            expirePending(conversions);
        }
    }

    /** The watermark moved: send the partials now due, then the marker. */
    private void moved() {
        Long w = progress.watermark();
        partials.flushDue(context, timestamp(), w == null ? Long.MIN_VALUE : settling.settledBefore(w));
        int partition = context.taskId().partition();
        context.forward(new Record<>(Markers.key(GROUP, partition), new Routed.Partial(
                Markers.partial(GROUP, partition, progress.watermark(), progress.idle())), timestamp()));
    }

    /**
     * Dead-letters held churns whose hold time has passed on the conversions watermark (every conversions partition
     * that still delivers data is past the churn's time plus the hold), checked when it enters a new bucket; a churn
     * read when the watermark is past its hold already is given up on at once ({@link #churn}).
     */
    private void expirePending(long watermark) {
        List<KeyValue<String, PendingChurns>> changed = new ArrayList<>();
        try (KeyValueIterator<String, PendingChurns> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, PendingChurns> kv = it.next();
                List<CustomerEvent> keep = new ArrayList<>();
                boolean any = false;
                for (CustomerEvent c : kv.value.getChurns()) {
                    if (expired(c, watermark)) {
                        any = true;
                        giveUp(c, customers.get(kv.key));
                    } else {
                        keep.add(c);
                    }
                }
                if (any) changed.add(KeyValue.pair(kv.key, keep.isEmpty() ? null : new PendingChurns(keep)));
            }
        }
        for (KeyValue<String, PendingChurns> kv : changed) {
            if (kv.value == null) pending.delete(kv.key);
            else pending.put(kv.key, kv.value);
        }
    }

    /** @param known the customer as it was before the conversion that could have applied the churn, or null */
    private void giveUp(CustomerEvent c, CustomerRecord known) {
        Duration hold = config.churnHold();
        if (known == null) {
            dead(DeadLetterReason.UNKNOWN_CUSTOMER, "no conversion of customer " + c.getCustomerId()
                    + " was read within the hold time (" + hold + ")", c);
        } else {
            dead(DeadLetterReason.CUSTOMER_NOT_ACTIVE, "customer " + c.getCustomerId() + " churned already at "
                    + Instant.ofEpochMilli(known.getChurnedAt()) + " and was not reactivated within the hold time", c);
        }
    }

    private void dead(DeadLetterReason reason, String detail, CustomerEvent e) {
        observer.deadLettered(e.getOrigin().getTopic(), reason);
        Routed.Dead d = DeadLetters.of(reason, detail, e.getOrigin(), e.getEventId());
        context.forward(new Record<>(null, d, e.getOccurredAt()));
    }

    private static String beforeAcquisition(CustomerEvent churn, CustomerRecord c) {
        return "churn at " + Instant.ofEpochMilli(churn.getOccurredAt()) + " is before customer " + c.getCustomerId()
                + " was acquired at " + Instant.ofEpochMilli(c.getAcquiredAt());
    }

    private long bucket(long t) {
        return Math.floorDiv(t, config.bucket().toMillis());
    }

    private long timestamp() {
        return Math.max(0L, context.currentStreamTimeMs());
    }
}
