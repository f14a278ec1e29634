package io.cacstreams.model;

import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cases found by {@link TopologyVsModelProperty} and issue 8 ("figures and alerts that depend on the input alone"),
 * as plain tests against the real topology: each plays an input with and without a disturbance (a copy re-sent
 * weeks later, other flush points) and asserts the same settled records, or asserts one figure of the last live
 * snapshot once every partition is idle.
 */
class TopologyRegressionTest {
    private static final Instant T = Instant.parse("2025-01-10T03:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    /**
     * domain.md: "The blended view: a pseudo-channel ALL aggregates every channel the same way"; semantics.md: each
     * count goes to its channel and to ALL. Spend and leads once did not reach ALL (customer facts did).
     */
    @Test
    void allReceivesSpendAndLeads() {
        List<ModelInput.Event> input = List.of(spend("sp-1", "search", T), lead("ld-1", "search", T.plusSeconds(60)),
                conversion("cv-1", "c1", "search", T.plusSeconds(120)));
        ChannelMetrics all = play(Map.of("cac.windows", "1d,3d"), input, false).snapshots().get("ALL|1d");
        assertThat(all.getNewCustomers()).isEqualTo(1);
        assertThat(all.getSpend()).as("ALL spend").isEqualTo(100.0);
        assertThat(all.getLeads()).as("ALL leads").isEqualTo(1);
    }

    /**
     * Issue 8: spend and leads re-sent weeks after their originals (an upstream replay), inside the accept horizon
     * (30 days), some with other bytes (the same event written with a newer schema version), are counted once: the
     * settled records and the last snapshots are those of the input without the copies.
     */
    @Test
    void spendAndLeadsReSentWeeksLaterAreCountedOnce() {
        Map<String, String> settings = Map.of("cac.windows", "7d,30d", "cac.bucket", "12h", "cac.grace", "1d");
        List<ModelInput.Event> input = new ArrayList<>();
        for (int d = 0; d < 20; d++) {
            Instant at = T.plus(DAY.multipliedBy(d));
            input.add(spend("sp-" + d, "search", at));
            input.add(lead("ld-" + d, "search", at.plusSeconds(60)));
            input.add(conversion("cv-" + d, "c" + d, "search", at.plusSeconds(120)));
            if (d % 2 == 0) input.add(churn("ch-" + d, "c" + (d / 2), at.plusSeconds(180)));
        }
        List<ModelInput.Event> withCopies = new ArrayList<>(input);
        List<ModelInput.Event> early = input.stream().filter(e -> e.recordTimestamp() < T.plus(DAY.multipliedBy(6))
                .toEpochMilli() && e.topic() != InputTopic.CONVERSIONS && e.topic() != InputTopic.CHURN).toList();
        for (int i = 0; i < early.size(); i++) withCopies.add(copy(early.get(i), i % 2 == 0)); // 14 to 19 days later
        Outputs once = play(settings, input, true);
        Outputs copied = play(settings, withCopies, true);
        assertThat(copied.settled()).as("settled records with the copies").isEqualTo(once.settled());
        assertThat(copied.snapshots()).as("last snapshots with the copies").isEqualTo(once.snapshots());
        assertThat(once.snapshots().get("search|30d").getSpend()).isEqualTo(2000.0);
    }

    /**
     * Issue 8: a conversion re-sent weeks after its customer churned is a duplicate, never a reactivation (nor an
     * ALREADY_ACTIVE dead letter); a churn re-sent weeks later is a duplicate too.
     */
    @Test
    void conversionsAndChurnsReSentWeeksLaterAreDuplicatesNotReactivations() {
        Map<String, String> settings = Map.of("cac.windows", "1d,3d");
        List<ModelInput.Event> input = new ArrayList<>(List.of(conversion("cv-1", "c1", "search", T),
                churn("ch-1", "c1", T.plus(DAY))));
        for (int d = 0; d < 25; d++) {
            Instant at = T.plus(DAY.multipliedBy(d)).plusSeconds(600);
            input.add(spend("sp-" + d, "search", at));
            input.add(lead("ld-" + d, "search", at));
            input.add(conversion("cv-x" + d, "x" + d, "search", at)); // the conversions clock moves on
        }
        List<ModelInput.Event> withCopies = new ArrayList<>(input);
        withCopies.add(copy(input.get(0), true));
        withCopies.add(copy(input.get(1), false));
        Outputs once = play(settings, input, true);
        Outputs copied = play(settings, withCopies, true);
        assertThat(copied.deadLetters()).as("dead letters").isEqualTo(once.deadLetters()).isZero();
        assertThat(once.snapshots().get("search|3d").getActiveCustomers()).isEqualTo(25);
        assertThat(copied.snapshots()).as("last snapshots with the copies").isEqualTo(once.snapshots());
        assertThat(copied.settled()).as("settled records with the copies").isEqualTo(once.settled());
    }

    /**
     * Issue 8 / semantics.md "Progress and settled windows": settled records are a function of the input alone, not
     * of when the wall clock ticks: flushing after every record or only at the end settles the same records.
     */
    @Test
    void settledRecordsDoNotDependOnWhenTheWallClockTicks() {
        Map<String, String> settings = Map.of("cac.windows", "1d,3d", "cac.bucket", "6h");
        List<ModelInput.Event> input = new ArrayList<>();
        for (int h = 0; h < 120; h += 5) {
            Instant at = T.plus(Duration.ofHours(h));
            input.add(spend("sp-" + h, h % 2 == 0 ? "search" : "social", at));
            input.add(conversion("cv-" + h, "c" + h, h % 3 == 0 ? "search" : "social", at.plusSeconds(30)));
            if (h > 40) input.add(churn("ch-" + h, "c" + (h - 40), at.plusSeconds(60)));
            input.add(lead("ld-" + h, "search", at.plusSeconds(90)));
        }
        Outputs ticking = play(settings, input, true);
        Outputs atTheEnd = play(settings, input, false);
        assertThat(ticking.settled()).isNotEmpty();
        assertThat(atTheEnd.settled()).isEqualTo(ticking.settled());
        assertThat(atTheEnd.snapshots()).isEqualTo(ticking.snapshots());
    }

    /**
     * Found by the property: the watermark first settled buckets while the earliest count held was later than its
     * limit; the channel stage then took every bucket up to that count as settled, so an older lead read next (its
     * bucket not settled yet) was pushed to a later window and the window ending with its own bucket was never
     * published, unless no flush had come in between. Fixed in b0040fa.
     */
    @Test
    void anOlderEventReadAfterTheFirstSettlementGetsItsOwnSettledWindow() {
        Map<String, String> settings = Map.of("cac.windows", "1d,3d", "cac.bucket", "6h", "cac.grace", "1d");
        List<ModelInput.Event> input = List.of(churn("ch-1", "ghost", Instant.parse("2025-01-08T21:54:00Z")),
                lead("ld-1", "search", Instant.parse("2025-01-04T03:21:00Z")),
                spend("sp-1", "search", Instant.parse("2025-01-09T09:39:00Z")),
                conversion("cv-1", "c1", "affiliate", Instant.parse("2025-01-09T12:22:00Z")),
                lead("ld-2", "email", Instant.parse("2025-01-03T21:17:00Z"))); // bucket 18:00, read at 01-04T03:21
        Outputs ticking = play(settings, input, true);
        assertThat(ticking.settled().get("email|1d").get(0)).as("the first settled window of email")
                .contains("\"windowEnd\": \"2025-01-04T00:00:00Z\"");
        assertThat(play(settings, input, false).settled()).isEqualTo(ticking.settled());
    }

    /** What a run emitted: settled records per key in order (as text), the last record per key, dead letters. */
    private record Outputs(Map<String, List<String>> settled, Map<String, ChannelMetrics> snapshots, int deadLetters) {
    }

    /** Plays the input (a flush after every record, or none), flushes, drains (every partition idle). */
    private static Outputs play(Map<String, String> settings, List<ModelInput.Event> input, boolean flushEach) {
        try (TopologyRun run = new TopologyRun(settings)) {
            List<KeyValue<String, ChannelMetrics>> out = new ArrayList<>();
            int deadLetters = 0;
            for (ModelInput.Event e : input) {
                run.pipe(e);
                if (flushEach) run.flush();
                out.addAll(run.readMetrics());
                deadLetters += run.readDeadLetters().size();
            }
            run.flush();
            run.drainIdle();
            out.addAll(run.readMetrics());
            deadLetters += run.readDeadLetters().size();
            Map<String, List<String>> settled = new TreeMap<>();
            Map<String, ChannelMetrics> latest = new LinkedHashMap<>();
            for (KeyValue<String, ChannelMetrics> kv : out) {
                latest.put(kv.key, kv.value);
                if (Boolean.TRUE.equals(kv.value.getSettled())) {
                    settled.computeIfAbsent(kv.key, k -> new ArrayList<>()).add(kv.value.toString());
                }
            }
            assertThat(latest.values()).as("the last record of every key is a live snapshot")
                    .allMatch(m -> Boolean.FALSE.equals(m.getSettled()));
            return new Outputs(settled, new TreeMap<>(latest), deadLetters);
        }
    }

    /** A copy of an event, as it was or written with the newer schema version (other bytes, same values). */
    private static ModelInput.Event copy(ModelInput.Event e, boolean asV2) {
        Payload.Valid v = (Payload.Valid) e.payload();
        return new ModelInput.Event(e.topic(), new Payload.Valid(v.record(), asV2), e.recordTimestamp() + 1);
    }

    private static ModelInput.Event spend(String id, String channel, Instant at) {
        return new ModelInput.Event(InputTopic.SPEND, new Payload.Valid(MarketingSpend.newBuilder().setEventId(id)
                .setChannel(channel).setCampaign(null).setAmount(new BigDecimal("100.0000")).setCurrency("USD")
                .setCategory(SpendCategory.MEDIA).setOccurredAt(at).build()), at.toEpochMilli());
    }

    private static ModelInput.Event lead(String id, String channel, Instant at) {
        return new ModelInput.Event(InputTopic.LEADS, new Payload.Valid(Lead.newBuilder().setEventId(id).setLeadId(id)
                .setChannel(channel).setCampaign(null).setQualityScore(50).setOccurredAt(at).build()),
                at.toEpochMilli());
    }

    private static ModelInput.Event conversion(String id, String customer, String channel, Instant at) {
        return new ModelInput.Event(InputTopic.CONVERSIONS, new Payload.Valid(Conversion.newBuilder().setEventId(id)
                .setCustomerId(customer).setLeadId(null).setChannel(channel).setCampaign(null)
                .setMonthlyRevenue(new BigDecimal("10.0000")).setCurrency("USD").setGrossMargin(null)
                .setOccurredAt(at).build()), at.toEpochMilli());
    }

    private static ModelInput.Event churn(String id, String customer, Instant at) {
        return new ModelInput.Event(InputTopic.CHURN, new Payload.Valid(Churn.newBuilder().setEventId(id)
                .setCustomerId(customer).setReason(null).setOccurredAt(at).build()), at.toEpochMilli());
    }
}
