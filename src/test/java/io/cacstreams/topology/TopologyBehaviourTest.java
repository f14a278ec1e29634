package io.cacstreams.topology;

import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.MetricStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.cacstreams.topology.TopologyHarness.day;
import static io.cacstreams.topology.WorkedExamplesTest.close;
import static org.assertj.core.api.Assertions.assertThat;

class TopologyBehaviourTest {

    private static DeadLetter only(TopologyHarness h, DeadLetterReason reason) {
        List<DeadLetter> found = h.dead.stream().filter(d -> d.getReason() == reason).toList();
        assertThat(found).as("dead letters with reason " + reason + " in " + h.dead).hasSize(1);
        return found.get(0);
    }

    @Test
    void badBytesGoToTheDeadLetterTopicWithTheirOriginAndTheNextGoodRecordCounts() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.spend("search", 10, "USD", day(1));
            byte[] notWire = {1, 2, 3, 4, 5, 6, 7};
            byte[] unknownId = {0, 0, 0, 0, 0x7f, 2, 4, 6};
            h.raw("marketing-spend", notWire);
            h.raw("marketing-spend", unknownId);
            h.raw("marketing-spend", new byte[0]);
            h.spend("search", 20, "USD", day(1.1));
            h.flush();
            DeadLetter malformed = h.dead.get(0);
            assertThat(malformed.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
            assertThat(malformed.getSourceTopic()).isEqualTo("marketing-spend");
            assertThat(malformed.getSourcePartition()).isZero();
            assertThat(malformed.getSourceOffset()).isEqualTo(1);
            assertThat(bytes(malformed.getValue())).isEqualTo(notWire);
            DeadLetter unknown = h.dead.get(1);
            assertThat(unknown.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA_ID);
            assertThat(unknown.getSchemaId()).isEqualTo(0x7f);
            assertThat(unknown.getSourceOffset()).isEqualTo(2);
            assertThat(h.dead.get(2).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
            close(h.latest("search", 7).getSpend(), 30);
        }
    }

    @Test
    void truncatedAvroIsUndecodable() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.spend("search", 10, "USD", day(1));
            var codec = new io.cacstreams.serde.AvroCodec<>(
                    io.cacstreams.serde.SchemaRegistryClient.create(h.config.registry()),
                    io.cacstreams.events.MarketingSpend.class, false, true);
            byte[] full = codec.encode("marketing-spend", io.cacstreams.events.MarketingSpend.newBuilder()
                    .setEventId("x").setChannel("search").setAmount(TopologyHarness.money(5)).setCurrency("USD")
                    .setCategory(io.cacstreams.events.SpendCategory.MEDIA).setOccurredAt(day(1)).build());
            h.raw("marketing-spend", Arrays.copyOf(full, full.length - 3));
            assertThat(only(h, DeadLetterReason.UNDECODABLE).getSchemaId()).isNotNull();
        }
    }

    @Test
    void invalidFieldsAreDeadLetteredWithTheirReason() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.spend("search", -5, "USD", day(1));
            h.lead("search", 150, day(1));
            h.spend("", 5, "USD", day(1));
            h.spend("search", 5, "XYZ", day(1));
            h.conversion("c1", "search", 10, "USD", 1.5, day(1));
            h.lead("search", 100, day(1));
            h.flush();
            assertThat(only(h, DeadLetterReason.NEGATIVE_AMOUNT).getSourceTopic()).isEqualTo("marketing-spend");
            assertThat(only(h, DeadLetterReason.QUALITY_OUT_OF_RANGE).getSourceTopic()).isEqualTo("leads");
            assertThat(only(h, DeadLetterReason.UNKNOWN_CURRENCY).getDetail()).contains("XYZ");
            assertThat(h.dead.stream().filter(d -> d.getReason() == DeadLetterReason.INVALID_FIELD)).hasSize(2);
            ChannelMetrics m = h.latest("search", 7);
            assertThat(m.getLeads()).isEqualTo(1);
            close(m.getAvgLeadQuality(), 100);
            assertThat(m.getSpend()).isZero();
        }
    }

    @Test
    void anEventFromTheFutureIsRejectedInsteadOfDraggingStreamTimeAhead() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.spend("search", 10, "USD", TopologyHarness.WALL_CLOCK.plus(java.time.Duration.ofHours(2)));
            h.spend("search", 5, "USD", day(1));
            h.flush();
            assertThat(only(h, DeadLetterReason.INVALID_FIELD).getDetail()).contains("cac.max.future.skew");
            close(h.latest("search", 7).getSpend(), 5);
        }
    }

    @Test
    void lateWithinGraceIsAcceptedTooLateIsDeadLettered() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "7d", "cac.grace", "1d"))) {
            h.spend("search", 10, "USD", day(20));
            h.spend("search", 1, "USD", day(15));     // late, inside the window: counted
            h.spend("search", 2, "USD", day(12.5));   // reaches the settled windows up to day 19.5, not the latest
            h.spend("search", 4, "USD", day(11.9));   // beyond 7d + 1d: LATE
            h.flush();
            close(h.latest("search", 7).getSpend(), 11);
            DeadLetter late = only(h, DeadLetterReason.LATE);
            assertThat(late.getSourceOffset()).isEqualTo(3);
            assertThat(late.getDetail()).contains("older than the accept horizon");
        }
    }

    @Test
    void duplicatesAreCountedOnce() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.spend("same", "search", 10, "USD", day(1));
            h.spend("same", "search", 10, "USD", day(1));
            h.conversion("conv-1", "c1", "search", 50, "USD", null, day(1));
            h.conversion("conv-1", "c1", "search", 50, "USD", null, day(1));
            h.flush();
            ChannelMetrics m = h.latest("search", 7);
            close(m.getSpend(), 10);
            assertThat(m.getNewCustomers()).isEqualTo(1);
            assertThat(h.dead).isEmpty();
            close(h.latest("ALL", 7).getSpend(), 10);
        }
    }

    @Test
    void aSecondConversionOfAnActiveCustomerIsAlreadyActiveAndAReactivationCounts() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.conversion("c1", "search", 50, "USD", null, day(1));
            h.conversion("c1", "social", 70, "USD", null, day(2));
            h.churn("c1", day(3));
            h.conversion("c1", "social", 70, "USD", null, day(4));
            h.flush();
            assertThat(only(h, DeadLetterReason.ALREADY_ACTIVE).getDetail()).contains("search");
            assertThat(h.latest("search", 7).getActiveCustomers()).isZero();
            assertThat(h.latest("search", 7).getChurned()).isEqualTo(1);
            assertThat(h.latest("social", 7).getActiveCustomers()).isEqualTo(1);
            close(h.latest("social", 7).getArpu(), 70);
        }
    }

    @Test
    void aChurnBeforeItsConversionIsHeldThenAppliedOrGivenUp() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.churn.hold", "2d"))) {
            h.churn("early", day(1.5));
            h.churn("ghost", day(1.5));
            h.conversion("early", "email", 30, "USD", null, day(1));
            h.flush();
            ChannelMetrics m = h.latest("email", 7);
            assertThat(m.getNewCustomers()).isEqualTo(1);
            assertThat(m.getChurned()).isEqualTo(1);
            assertThat(m.getChurnedNew()).isEqualTo(1);
            assertThat(m.getActiveCustomers()).isZero();
            assertThat(h.dead).isEmpty();
            h.conversion("other", "email", 30, "USD", null, day(4)); // moves the customer stage's clock past the hold
            h.flush();
            DeadLetter ghost = only(h, DeadLetterReason.UNKNOWN_CUSTOMER);
            assertThat(ghost.getSourceTopic()).isEqualTo("churn");
            assertThat(ghost.getSourceOffset()).isEqualTo(1);
        }
    }

    /**
     * BadInputAndOutageIT (schema-v2) once found no UNKNOWN_CUSTOMER where the verifier was certain of one: with the
     * whole input on the broker at start, the conversions watermark entered its last bucket with the first markers,
     * and the churn, read after them, waited for another bucket that never came (only the idle timeout, 30 s later,
     * moved it, after the run had been found quiet).
     */
    @Test
    void aChurnReadAfterTheConversionsWatermarkPassedItsHoldIsGivenUpAtOnce() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.churn.hold", "2d", "cac.idle.timeout", "1h"))) {
            h.conversion("known", "email", 30, "USD", null, day(4));
            h.emit(); // the conversions watermark: day 4, its last bucket (no conversion follows)
            h.conversion("gone", "email", 30, "USD", null, day(0.5));
            h.churn("gone", day(1));
            h.churn("ghost", day(1.5));
            h.churn("gone", day(1.9)); // a second churn of a churned customer, not reactivated within the hold
            h.churn("late-convert", day(2.5)); // within the hold: held, its conversion may still come
            h.emit();
            h.emit();
            assertThat(only(h, DeadLetterReason.UNKNOWN_CUSTOMER).getSourceOffset()).isEqualTo(1);
            assertThat(only(h, DeadLetterReason.CUSTOMER_NOT_ACTIVE).getSourceOffset()).isEqualTo(2);
            h.conversion("late-convert", "email", 30, "USD", null, day(2.4));
            h.flush();
            assertThat(h.dead).hasSize(2);
            assertThat(h.latest("email", 7).getChurned()).isEqualTo(2);
        }
    }

    @Test
    void aChurnDatedBeforeTheAcquisitionIsRejected() {
        try (TopologyHarness h = new TopologyHarness()) {
            h.conversion("c1", "email", 30, "USD", null, day(2));
            h.churn("c1", day(1));
            assertThat(only(h, DeadLetterReason.CHURN_BEFORE_ACQUISITION).getSourceTopic()).isEqualTo("churn");
        }
    }

    @Test
    void amountsAreConvertedAtTheRateInForceAtTheEventTime() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.fx.static.GBP", "1.25"))) {
            h.fx("EUR", "1.10", day(0));
            h.fx("EUR", "1.20", day(2));
            h.spend("search", 100, "EUR", day(1));   // 110
            h.spend("search", 100, "EUR", day(3));   // 120
            h.spend("search", 100, "GBP", day(3));   // static 125
            h.conversion("c1", "search", 10, "EUR", null, day(3)); // 12 a month
            h.flush();
            ChannelMetrics m = h.latest("search", 7);
            close(m.getSpend(), 355);
            close(m.getArpu(), 12);
            assertThat(m.getReportingCurrency()).isEqualTo("USD");
        }
    }

    @Test
    void aQuietChannelRollsForwardAsStreamTimeAdvances() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "7d"))) {
            h.spend("quiet", 100, "USD", day(1));
            h.flush();
            close(h.latest("quiet", 7).getSpend(), 100);
            h.spend("busy", 5, "USD", day(9)); // only another channel moves stream time
            h.flush();
            ChannelMetrics rolled = h.latest("quiet", 7);
            assertThat(rolled.getSpend()).isZero();
            assertThat(rolled.getWindowEnd()).as("rolled to the settled end, the grace before day 9")
                    .isEqualTo(day(9).minus(Duration.ofHours(1)));
        }
    }

    @Test
    void emitsAtMostOncePerIntervalNotOncePerRecord() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "7d"))) {
            h.spend("search", 1, "USD", day(1));
            int afterFirst = h.metrics.size();
            for (int i = 0; i < 50; i++) h.spend("search", 1, "USD", day(1));
            assertThat(h.metrics).hasSize(afterFirst); // same bucket, no wall-clock tick: nothing new
            h.flush();
            assertThat(h.metrics.size() - afterFirst).isEqualTo(2); // search and ALL, one window each
            close(h.latest("search", 7).getSpend(), 51);
            h.flush();
            assertThat(h.metrics.size() - afterFirst).isEqualTo(2); // nothing changed: nothing emitted
        }
    }

    @Test
    void anAlertFiresOnceAndResolvesWithTheSameId() {
        // the wiring of transitions (fire once, resolve with the same id), not the statistics (LtvCacIntervalTest,
        // AlertEvaluatorTest): bounds at 52.5 % confidence are about the point value
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "30d", "cac.alert.confidence", "0.525"))) {
            h.spend("paid", 0.5, "USD", day(2)); // spend since before the window: the window is covered (no warm-up)
            for (int i = 0; i < 100; i++) h.conversion("old" + i, "paid", 100, "USD", null, day(1));
            for (int i = 0; i < 5; i++) h.churn("old" + i, day(40));
            for (int i = 0; i < 10; i++) h.conversion("new" + i, "paid", 100, "USD", null, day(40));
            h.spend("paid", 7600, "USD", day(40));
            h.tick(day(40.2)); // alerts are evaluated on settled buckets: let the watermark pass day 40 + grace
            h.flush();
            close(h.latest("paid", 30).getLtvToCac(), 2.5);
            assertThat(h.latest("paid", 30).getStatus()).isEqualTo(MetricStatus.WARNING);
            h.flush();
            h.flush();
            // (the early spend also raises NO_CONVERSIONS in the windows between it and the customers: not this test's)
            List<ChannelAlert> fired = ltvCac(h.alertsFor("paid", 30));
            assertThat(fired).hasSize(1);
            ChannelAlert firing = fired.get(0);
            assertThat(firing.getStatus()).isEqualTo(AlertStatus.FIRING);
            assertThat(firing.getSeverity()).isEqualTo(AlertSeverity.WARNING);
            assertThat(firing.getMessage()).contains("paid").contains("2.50");
            assertThat(firing.getRunbookUrl()).isNotBlank();
            assertThat(firing.getDedupKey()).isEqualTo("cac-streams/LTV_CAC_BELOW_TARGET/paid/30d");
            for (int i = 10; i < 20; i++) h.conversion("new" + i, "paid", 100, "USD", null, day(40.5));
            h.tick(day(40.7));
            h.flush();
            close(h.latest("paid", 30).getLtvToCac(), 5.0);
            List<ChannelAlert> all = ltvCac(h.alertsFor("paid", 30));
            assertThat(all).hasSize(2);
            ChannelAlert resolved = all.get(1);
            assertThat(resolved.getStatus()).isEqualTo(AlertStatus.RESOLVED);
            assertThat(resolved.getAlertId()).isEqualTo(firing.getAlertId());
            assertThat(resolved.getEndsAt()).isNotNull();
            assertThat(h.latest("paid", 30).getStatus()).isEqualTo(MetricStatus.OK);
        }
    }

    @Test
    void spendWithoutConversionsOverAFullWindowRaisesNoConversions() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "7d"))) {
            for (int d = 0; d <= 8; d++) h.spend("display", 100, "USD", day(d));
            h.flush();
            ChannelMetrics m = h.latest("display", 7);
            assertThat(m.getStatus()).isEqualTo(MetricStatus.NO_CONVERSIONS);
            List<ChannelAlert> a = h.alertsFor("display", 7);
            assertThat(a).hasSize(1);
            assertThat(a.get(0).getRule().name()).isEqualTo("NO_CONVERSIONS");
            h.conversion("c1", "display", 10, "USD", null, day(8.5));
            h.tick(day(8.7));
            h.flush();
            assertThat(h.alertsFor("display", 7)).extracting(ChannelAlert::getStatus)
                    .containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
            assertThat(h.latest("display", 7).getStatus()).isEqualTo(MetricStatus.INSUFFICIENT_DATA);
        }
    }

    private static List<ChannelAlert> ltvCac(List<ChannelAlert> alerts) {
        return alerts.stream().filter(a -> a.getRule() == AlertRule.LTV_CAC_BELOW_TARGET).toList();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
