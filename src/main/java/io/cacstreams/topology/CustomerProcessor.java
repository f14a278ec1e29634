package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.ChannelFact;
import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.CustomerRecord;
import io.cacstreams.internal.FactKind;
import io.cacstreams.internal.PendingChurns;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The customer table, keyed by customerId: conversions and churns meet here whatever key their producers used.
 * They are never LATE: the customer base (active customers, their revenue and margin) is not windowed, so an old
 * conversion still makes an active customer; its windowed counts simply fall outside every window.
 * A conversion of an unknown or churned customer acquires them (a churned one is reactivated); of an active one it is
 * ALREADY_ACTIVE. A churn of an active customer is attributed to the channel they were acquired through; a churn that
 * arrives before its conversion is held until the conversions seen pass its occurredAt plus the hold time.
 */
final class CustomerProcessor implements Processor<String, CustomerEvent, String, Routed> {
    /** A conversions partition silent this long (wall-clock) is idle, not lagging. */
    static final long IDLE_MS = 5 * 60_000L;
    private final AppConfig config;
    private final TopologyObserver observer;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, CustomerRecord> customers;
    private KeyValueStore<String, PendingChurns> pending;
    private Deduplicator dedup;
    private StreamClock clock;
    private ConversionWatermark conversions;
    private Long lastWatermark;

    CustomerProcessor(AppConfig config, TopologyObserver observer) {
        this.config = config;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.customers = context.getStateStore(StoreNames.CUSTOMERS);
        this.pending = context.getStateStore(StoreNames.PENDING_CHURNS);
        this.dedup = Deduplicator.of(context.getStateStore(StoreNames.CUSTOMER_DEDUP), config);
        this.clock = new StreamClock(context.getStateStore(StoreNames.CUSTOMER_CLOCK));
        this.conversions = new ConversionWatermark(context.getStateStore(StoreNames.CUSTOMER_CLOCK),
                config.state().conversionsPartitions(), IDLE_MS,
                context.currentSystemTimeMs());
        // null: the first record or punctuation after a (re)assignment gives up on whatever the restored watermark
        // allows (what an aborted transaction had given up on is held again after a failover)
        this.lastWatermark = null;
        // partitions going idle can move the watermark without any record arriving
        context.schedule(java.time.Duration.ofMinutes(1), org.apache.kafka.streams.processor.PunctuationType.WALL_CLOCK_TIME,
                this::maybeExpire);
    }

    @Override
    public void process(Record<String, CustomerEvent> record) {
        CustomerEvent e = record.value();
        if (ConversionProgress.isMarker(e)) {
            conversions.advance(e.getOrigin().getPartition(), e.getOccurredAt(), context.currentSystemTimeMs());
            maybeExpire(context.currentSystemTimeMs());
            return;
        }
        String topic = e.getOrigin().getTopic();
        clock.advance(e.getOccurredAt());
        if (e.getKind() == CustomerEventKind.CONVERSION) {
            conversions.advance(e.getOrigin().getPartition(), e.getOccurredAt(), context.currentSystemTimeMs());
        }
        String from = from(e);
        if (dedup.check(e.getKind() + ":" + e.getEventId(), clock.now(), from, Deduplicator.read(context))
                == Deduplicator.Verdict.DUPLICATE) {
            observer.duplicate(topic);
        } else {
            switch (e.getKind()) {
                case CONVERSION -> convert(e, from);
                case CHURN -> churn(e, from);
                case PROGRESS -> throw new IllegalStateException("handled above");
            }
        }
        maybeExpire(context.currentSystemTimeMs());
    }

    /** @param from the coordinates of the input record of {@code e} ({@link #from}) */
    private void convert(CustomerEvent e, String from) {
        CustomerRecord existing = customers.get(e.getCustomerId());
        if (existing != null && existing.getActive() && from.equals(existing.getAcquiredFrom())) {
            // this very record read again (at-least-once after a crash): its effect is in the table, its fact may
            // be lost downstream; send it again (more than once is allowed there, loss never)
            emit(existing, FactKind.ACQUIRED, e.getEventId(), e.getOccurredAt());
            return;
        }
        if (existing != null && existing.getActive()) {
            dead(DeadLetterReason.ALREADY_ACTIVE, "customer " + e.getCustomerId() + " is already active (acquired via "
                    + existing.getChannel() + " at " + Instant.ofEpochMilli(existing.getAcquiredAt()) + ")", e);
            return;
        }
        BigDecimal margin = BigDecimal.valueOf(e.getGrossMargin() != null ? e.getGrossMargin()
                : config.marginFor(e.getChannel())).setScale(FxRates.SCALE, RoundingMode.HALF_EVEN);
        CustomerRecord customer = CustomerRecord.newBuilder()
                .setCustomerId(e.getCustomerId()).setChannel(e.getChannel())
                .setMonthlyRevenue(e.getMonthlyRevenue()).setCurrency(e.getCurrency())
                .setMonthlyRevenueReporting(e.getMonthlyRevenueReporting()).setGrossMargin(e.getGrossMargin())
                .setEffectiveMargin(margin).setAcquiredAt(e.getOccurredAt()).setActive(true).setChurnedAt(null)
                .setAcquiredFrom(from).setChurnedFrom(null)
                .build();
        emit(customer, FactKind.ACQUIRED, e.getEventId(), e.getOccurredAt());

        PendingChurns held = pending.get(e.getCustomerId());
        if (held != null) {
            List<CustomerEvent> remaining = new ArrayList<>();
            List<CustomerEvent> churns = new ArrayList<>(held.getChurns());
            churns.sort(Comparator.comparingLong(CustomerEvent::getOccurredAt));
            for (CustomerEvent c : churns) {
                if (c.getOccurredAt() < customer.getAcquiredAt()) {
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
        if (customer != null && !customer.getActive() && from.equals(customer.getChurnedFrom())) {
            emit(customer, FactKind.CHURNED, e.getEventId(), e.getOccurredAt()); // a replay, as in convert
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
        if (churns.stream().anyMatch(c -> from(c).equals(from))) return; // held already (a replay)
        churns.add(e);
        pending.put(e.getCustomerId(), new PendingChurns(churns));
    }

    private static String from(CustomerEvent e) {
        return Deduplicator.coordinates(e.getOrigin());
    }

    private void applyChurn(CustomerRecord customer, CustomerEvent churn) {
        customer.setActive(false);
        customer.setChurnedAt(churn.getOccurredAt());
        customer.setChurnedFrom(from(churn));
        emit(customer, FactKind.CHURNED, churn.getEventId(), churn.getOccurredAt());
    }

    /**
     * Dead-letters held churns whose hold time has passed, measured on the conversions watermark (see
     * {@link ConversionWatermark}): a churn waits for a conversion, so it is given up only once every conversions
     * partition that still delivers data has passed its time plus the hold.
     */
    /** Gives up on held churns when the conversions watermark enters a new bucket. */
    private void maybeExpire(long wallClockNow) {
        Long now = conversions.now(wallClockNow);
        if (now == null || (lastWatermark != null && bucket(now) <= bucket(lastWatermark))) return;
        lastWatermark = now;
        expirePending(now);
    }

    private void expirePending(long watermark) {
        long cutoff = watermark - config.churnHold().toMillis();
        List<KeyValue<String, PendingChurns>> changed = new ArrayList<>();
        try (KeyValueIterator<String, PendingChurns> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, PendingChurns> kv = it.next();
                List<CustomerEvent> keep = new ArrayList<>();
                boolean any = false;
                for (CustomerEvent c : kv.value.getChurns()) {
                    if (c.getOccurredAt() < cutoff) {
                        any = true;
                        CustomerRecord known = customers.get(kv.key);
                        if (known == null) {
                            dead(DeadLetterReason.UNKNOWN_CUSTOMER, "no conversion of customer " + kv.key
                                    + " arrived within the hold time (" + config.churnHold() + ")", c);
                        } else {
                            dead(DeadLetterReason.CUSTOMER_NOT_ACTIVE, "customer " + kv.key + " churned already at "
                                    + Instant.ofEpochMilli(known.getChurnedAt()) + " and was not reactivated", c);
                        }
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

    private void emit(CustomerRecord c, FactKind kind, String eventId, long at) {
        ChannelFact fact = ChannelFact.newBuilder()
                .setKind(kind).setEventId(eventId).setChannel(c.getChannel()).setOccurredAt(at)
                .setCustomerId(c.getCustomerId()).setMonthlyRevenue(c.getMonthlyRevenueReporting())
                .setMargin(c.getEffectiveMargin()).setAcquiredAt(c.getAcquiredAt()).build();
        for (InputRules.Keyed k : InputRulesFor.toChannelAndAll(fact)) {
            context.forward(new Record<>(k.key(), k.value(), at));
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
}
