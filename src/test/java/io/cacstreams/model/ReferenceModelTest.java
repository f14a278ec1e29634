package io.cacstreams.model;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.MetricStatus;
import io.cacstreams.events.SpendCategory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The reference model on domain.md's worked examples, and on a few rules of semantics.md, without the topology. */
class ReferenceModelTest {
    private static final Instant DAY0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    // ------------------------------------------------------------------------------------------ formulas

    @Test
    void example1_ltvFormulaWithDiscountAndHorizon() {
        // p = 100000, r = 0.85 (L = 30, churnRate 0.15), i = 0.035, m = 1
        assertThat(ltvOfExample1(OptionalInt.empty())).isCloseTo(459_459.46, within(0.005));
        assertThat(ltvOfExample1(OptionalInt.of(60))).isCloseTo(459_456.06, within(0.005));
        assertThat(ltvOfExample1(OptionalInt.of(12))).isCloseTo(416_209.06, within(0.005));
    }

    private static double ltvOfExample1(OptionalInt horizon) {
        // active 85, nobody new, 15 churned in the window: atStart 100, churnRate 0.15
        ModelFigures f = new ModelFigures(BigDecimal.ZERO, 0, 0, 0, 0, 15, 0, 85,
                new BigDecimal("8500000"), 85.0, 30, 0.035, horizon);
        assertThat(f.retentionRate()).isCloseTo(0.85, within(1e-12));
        assertThat(f.arpu()).isEqualTo(100_000.0);
        return f.ltv();
    }

    @Test
    void example2_figures() {
        ModelFigures f = new ModelFigures(new BigDecimal("12000"), 400, 0, 0, 60, 25, 0, 535,
                new BigDecimal("53500"), 0.8 * 535, 30, 0.0, OptionalInt.empty());
        assertThat(f.atStart()).isEqualTo(500);
        assertThat(f.churnRate()).isCloseTo(0.05, within(1e-12));
        assertThat(f.monthlyChurnRate()).isCloseTo(0.05, within(1e-12));
        assertThat(f.retentionRate()).isCloseTo(0.95, within(1e-12));
        assertThat(f.arpu()).isCloseTo(100.0, within(1e-12));
        assertThat(f.grossMargin()).isCloseTo(0.8, within(1e-12));
        assertThat(f.cpl()).isCloseTo(30.0, within(1e-12));
        assertThat(f.leadToCustomerRate()).isCloseTo(0.15, within(1e-12));
        assertThat(f.cac()).isCloseTo(200.0, within(1e-12));
        assertThat(f.ltv()).isCloseTo(1_520.0, within(1e-9));
        assertThat(f.ltvToCac()).isCloseTo(7.6, within(1e-12));
        assertThat(f.cacPaybackMonths()).isCloseTo(2.5, within(1e-12));
    }

    @Test
    void example3_monthlyNormalisation() {
        // L = 7: atStart 100, one churn from the start: churnRate 0.01
        ModelFigures f = new ModelFigures(BigDecimal.ZERO, 0, 0, 0, 0, 1, 0, 99, new BigDecimal("990"), 99, 7, 0,
                OptionalInt.empty());
        assertThat(f.churnRate()).isCloseTo(0.01, within(1e-15));
        assertThat(f.monthlyChurnRate()).isCloseTo(0.04216, within(0.000005));
    }

    @Test
    void example4_churnFromTheStart() {
        // atStart 100; 8 new in the window; 10 churns, 4 of them of customers who joined inside the window
        ModelFigures f = new ModelFigures(BigDecimal.ZERO, 0, 0, 0, 8, 10, 4, 98, new BigDecimal("9800"), 98, 30, 0,
                OptionalInt.empty());
        assertThat(f.atStart()).isEqualTo(100);
        assertThat(f.churnRate()).isCloseTo(0.06, within(1e-15));
    }

    @Test
    void undefinedFiguresAreNullNeverZero() {
        ModelFigures f = new ModelFigures(BigDecimal.ZERO, 0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO, 0, 7, 0, OptionalInt.empty());
        assertThat(f.cpl()).isNull();
        assertThat(f.leadToCustomerRate()).isNull();
        assertThat(f.cac()).isNull();
        assertThat(f.arpu()).isNull();
        assertThat(f.grossMargin()).isNull();
        assertThat(f.churnRate()).isNull();
        assertThat(f.ltv()).isNull();
        assertThat(f.ltvToCac()).isNull();
        assertThat(f.cacPaybackMonths()).isNull();
        // no churn at all: r = 1, q = 1 with H unbounded: LTV undefined; an organic channel (CAC 0) has no ratio
        ModelFigures organic = new ModelFigures(BigDecimal.ZERO, 0, 0, 0, 2, 0, 0, 10, new BigDecimal("1000"), 10, 7, 0,
                OptionalInt.empty());
        assertThat(organic.retentionRate()).isEqualTo(1.0);
        assertThat(organic.ltv()).isNull();
        assertThat(organic.cac()).isEqualTo(0.0);
        assertThat(organic.ltvToCac()).isNull();
    }

    // ------------------------------------------------------------------------------------------ events

    /** Example 2 played as events through the model: every figure of the channel and of ALL. */
    @Test
    void example2_asEvents() {
        Feed feed = new Feed(Map.of("cac.windows", "30d", "cac.margin.channel.web", "0.8"));
        feed.spend("web", "1000", DAY0); // long before the window: its data covers the window (not WARMING_UP)
        for (int i = 0; i < 500; i++) feed.conversion("cu-" + i, "web", "100", DAY0.plusSeconds(60L * i));
        Instant t = DAY0.plus(DAY.multipliedBy(40));
        // conversions first (spend before any conversion over a fully observed window would be NO_CONVERSIONS)
        for (int i = 0; i < 497; i++) {
            Instant at = t.plus(Duration.ofHours(1).multipliedBy(i));
            if (i < 60) feed.conversion("cu-new-" + i, "web", "100", at);
            else if (i < 72) feed.spend("web", "1000", at);
            else if (i < 472) feed.lead("web", 50, at);
            else feed.churn("cu-" + (i - 472), at);
        }
        feed.model.drain();
        assertThat(feed.model.deadLetters()).isEmpty();
        for (String key : List.of("web|30d", "ALL|30d")) {
            ChannelMetrics m = feed.latest(key);
            assertThat(m.getSpend()).isEqualTo(12_000.0);
            assertThat(m.getLeads()).isEqualTo(400);
            assertThat(m.getAvgLeadQuality()).isEqualTo(50.0);
            assertThat(m.getNewCustomers()).isEqualTo(60);
            assertThat(m.getChurned()).isEqualTo(25);
            assertThat(m.getChurnedNew()).isZero();
            assertThat(m.getActiveCustomers()).isEqualTo(535);
            assertThat(m.getCustomersAtStart()).isEqualTo(500);
            assertThat(m.getChurnRate()).isCloseTo(0.05, within(1e-12));
            assertThat(m.getRetentionRate()).isCloseTo(0.95, within(1e-12));
            assertThat(m.getArpu()).isCloseTo(100.0, within(1e-12));
            assertThat(m.getGrossMargin()).isCloseTo(0.8, within(1e-12));
            assertThat(m.getCpl()).isCloseTo(30.0, within(1e-12));
            assertThat(m.getLeadToCustomerRate()).isCloseTo(0.15, within(1e-12));
            assertThat(m.getCac()).isCloseTo(200.0, within(1e-12));
            assertThat(m.getLtv()).isCloseTo(1_520.0, within(1e-9));
            assertThat(m.getLtvToCac()).isCloseTo(7.6, within(1e-12));
            assertThat(m.getCacPaybackMonths()).isCloseTo(2.5, within(1e-12));
            assertThat(m.getStatus()).isEqualTo(MetricStatus.OK);
        }
        // the ratio only ever fell from above 3 to 7.6: nothing fired, and nothing without conversions
        assertThat(feed.model.transitions()).isEmpty();
    }

    /** Example 2 with five times the spend: LTV:CAC 1.52, between C = 1 and T = 3: a WARNING fires. */
    @Test
    void example2_withFiveTimesTheSpendFiresAWarning() {
        Feed feed = new Feed(Map.of("cac.windows", "30d", "cac.margin.channel.web", "0.8"));
        feed.spend("web", "1000", DAY0); // long before the window: its data covers the window (not WARMING_UP)
        for (int i = 0; i < 500; i++) feed.conversion("cu-" + i, "web", "100", DAY0.plusSeconds(60L * i));
        Instant t = DAY0.plus(DAY.multipliedBy(40));
        for (int i = 0; i < 97; i++) {
            Instant at = t.plus(Duration.ofHours(1).multipliedBy(i));
            if (i < 60) feed.conversion("cu-new-" + i, "web", "100", at);
            else if (i < 72) feed.spend("web", "5000", at);
            else feed.churn("cu-" + (i - 72), at);
        }
        feed.model.drain();
        ChannelMetrics m = feed.latest("web|30d");
        assertThat(m.getLtvToCac()).isCloseTo(1.52, within(1e-12));
        assertThat(m.getStatus()).isEqualTo(MetricStatus.WARNING);
        // the ratio falls as the churns come in (LTV = 80 (500 - k) / k with k churns); it crosses 3 once
        List<ChannelAlert> fired = feed.model.transitions().stream()
                .filter(tr -> tr.dedupKey().equals("cac-streams/LTV_CAC_BELOW_TARGET/web/30d"))
                .map(ReferenceModel.Transition::alert).toList();
        assertThat(fired).hasSize(1);
        ChannelAlert last = fired.get(0);
        assertThat(last.getStatus()).isEqualTo(AlertStatus.FIRING);
        assertThat(last.getSeverity()).isEqualTo(AlertSeverity.WARNING);
        assertThat(last.getRule()).isEqualTo(AlertRule.LTV_CAC_BELOW_TARGET);
        assertThat(last.getRatio()).isLessThan(3.0).isGreaterThan(1.52);
    }

    /** Example 4 played as events: 10 churns in the window, 4 of customers acquired in it. */
    @Test
    void example4_asEvents() {
        Feed feed = new Feed(Map.of("cac.windows", "30d"));
        for (int i = 0; i < 100; i++) feed.conversion("old-" + i, "web", "100", DAY0.plusSeconds(60L * i));
        Instant t = DAY0.plus(DAY.multipliedBy(40));
        for (int i = 0; i < 8; i++) feed.conversion("new-" + i, "web", "100", t.plus(Duration.ofHours(i)));
        for (int i = 0; i < 6; i++) feed.churn("old-" + i, t.plus(DAY).plus(Duration.ofHours(i)));
        for (int i = 0; i < 4; i++) feed.churn("new-" + i, t.plus(DAY.multipliedBy(2)).plus(Duration.ofHours(i)));
        feed.model.drain();
        ChannelMetrics m = feed.latest("web|30d");
        assertThat(m.getChurned()).isEqualTo(10);
        assertThat(m.getChurnedNew()).isEqualTo(4);
        assertThat(m.getCustomersAtStart()).isEqualTo(100);
        assertThat(m.getActiveCustomers()).isEqualTo(98);
        assertThat(m.getChurnRate()).isCloseTo(0.06, within(1e-15));
    }

    @Test
    void heldChurnIsAppliedWhenItsConversionArrivesAndUnknownCustomersAreGivenUpAfterTheHold() {
        Feed feed = new Feed(Map.of("cac.windows", "1d,3d", "cac.churn.hold", "1d"));
        Instant t = DAY0;
        feed.churn("early", t.plus(Duration.ofHours(2)));                       // held
        feed.churn("ghost", t.plus(Duration.ofHours(2)));                       // held, never converts
        feed.conversion("early", "web", "10", t.plus(Duration.ofHours(1)));     // acquired at 1h, churned at 2h
        assertThat(feed.model.isActive("early")).isFalse();
        feed.conversion("other", "web", "10", t.plus(Duration.ofHours(27)));    // 2h + 1d < 27h, new bucket: given up
        feed.model.drain();
        assertThat(feed.model.deadLetters()).extracting(ReferenceModel.ExpectedDeadLetter::reason)
                .containsExactly(DeadLetterReason.UNKNOWN_CUSTOMER);
        ChannelMetrics m = feed.latest("web|3d");
        assertThat(m.getNewCustomers()).isEqualTo(2);
        assertThat(m.getChurned()).isEqualTo(1);
        assertThat(m.getChurnedNew()).isEqualTo(1);
        assertThat(m.getActiveCustomers()).isEqualTo(1);
    }

    @Test
    void lateDuplicateAlreadyActiveAndChurnBeforeAcquisition() {
        Feed feed = new Feed(Map.of("cac.windows", "1d,3d", "cac.grace", "1d"));
        feed.spend("web", "10", DAY0.plus(DAY.multipliedBy(10)));
        feed.spend("web", "10", DAY0.plus(DAY.multipliedBy(6)));                 // exactly clock - 3d - 1d: LATE
        feed.conversion("c1", "web", "10", DAY0.plus(DAY.multipliedBy(10)));
        feed.conversion("c1", "web", "10", DAY0.plus(DAY.multipliedBy(10)).plusSeconds(5)); // ALREADY_ACTIVE
        feed.churn("c1", DAY0.plus(DAY.multipliedBy(9)));                        // before acquisition
        feed.replay(InputTopic.SPEND, 0);                                       // duplicate: dropped, counted
        feed.model.drain();
        assertThat(feed.model.deadLetters()).extracting(ReferenceModel.ExpectedDeadLetter::reason).containsExactly(
                DeadLetterReason.LATE, DeadLetterReason.ALREADY_ACTIVE, DeadLetterReason.CHURN_BEFORE_ACQUISITION);
        assertThat(feed.model.counters()).containsEntry("duplicate.spend", 1);
        assertThat(feed.latest("web|1d").getSpend()).isEqualTo(10.0);
    }

    // ------------------------------------------------------------------------------------------ settled windows

    /** semantics.md: an event of bucket b read at clock c counts from s = max(b, floor(c - grace)) on. */
    @Test
    void anEventReadAfterItsBucketCountsFromALaterSettledWindowOnly() {
        Feed feed = new Feed(Map.of("cac.windows", "1d", "cac.bucket", "1h", "cac.grace", "1h"));
        Instant six = DAY0.plus(Duration.ofHours(6));
        feed.spend("web", "10", DAY0);
        feed.spend("web", "10", DAY0.plus(Duration.ofHours(5)));    // the spend clock: 05:00
        feed.spend("web", "7", DAY0.plus(Duration.ofMinutes(30)));  // bucket 00:00 read at 05:00: from 04:00 on
        feed.lead("web", 50, six);
        feed.conversion("c1", "web", "10", six);
        feed.churn("ghost", six);
        assertThat(feed.model.emissions()).as("nothing settles before the decode stages report progress").isEmpty();
        feed.model.flush(); // W = 05:00: the buckets before floor(05:00 - 1h) = 04:00 settle, then ... 04:00
        assertThat(feed.model.emissions().stream().filter(e -> e.key().equals("web|1d"))
                .map(e -> e.metrics().getSpend()).toList()).containsExactly(10.0, 10.0, 10.0, 10.0);
        feed.spend("web", "1", six.plus(Duration.ofHours(2)));
        feed.model.flush(); // W = 06:00 (the other topics hold it there): bucket 04:00 settles
        assertThat(feed.model.emissions()).hasSize(10);
        feed.model.drain(); // every partition idle: W = 08:00, buckets up to 06:00 settle
        assertThat(feed.model.emissions().stream().filter(e -> e.key().equals("web|1d"))
                .map(e -> e.metrics().getSpend()).toList()).containsExactly(10.0, 10.0, 10.0, 10.0, 17.0, 27.0, 27.0);
        assertThat(feed.model.counters()).containsEntry("late.settledLater", 1);
    }

    /** A topic that has delivered nothing holds its stage, and so the channel stage, back until every one is idle. */
    @Test
    void nothingSettlesWhileATopicHasNoClock() {
        Feed feed = new Feed(Map.of("cac.windows", "1d"));
        for (int d = 0; d < 5; d++) {
            Instant at = DAY0.plus(DAY.multipliedBy(d));
            feed.spend("web", "10", at);
            feed.lead("web", 50, at);
            feed.conversion("c" + d, "web", "10", at);
            feed.model.flush();
        }
        assertThat(feed.model.emissions()).isEmpty();
        feed.model.drain();
        assertThat(feed.model.emissions()).isNotEmpty();
    }

    // ------------------------------------------------------------------------------------------ duplicates

    /** semantics.md "Duplicates": a copy re-sent weeks later is a duplicate, never a reactivation. */
    @Test
    void aConversionReSentWeeksAfterItsCustomerChurnedIsADuplicate() {
        Feed feed = new Feed(Map.of("cac.windows", "1d,3d"));
        feed.conversion("c1", "web", "10", DAY0);
        feed.churn("c1", DAY0.plus(DAY));
        feed.conversion("c2", "web", "10", DAY0.plus(DAY.multipliedBy(20)));
        feed.churn("c3", DAY0.plus(DAY.multipliedBy(20)));          // both clocks move on 19 days or more
        feed.replay(InputTopic.CONVERSIONS, 0);
        feed.replay(InputTopic.CHURN, 0);
        feed.model.drain();
        assertThat(feed.model.deadLetters()).isEmpty();
        assertThat(feed.model.isActive("c1")).isFalse();
        assertThat(feed.model.counters()).containsEntry("duplicate.conversion", 1).containsEntry("duplicate.churn", 1)
                .containsEntry("duplicate.afterChurn", 1).containsEntry("duplicate.weeksLater", 2)
                .doesNotContainKey("reactivation");
        assertThat(feed.latest("web|3d").getActiveCustomers()).isEqualTo(1);
    }

    /** A spend re-sent weeks later inside the accept horizon (30 d) is a duplicate; past it, LATE. */
    @Test
    void aSpendReSentWeeksLaterInsideTheHorizonIsADuplicate() {
        Feed feed = new Feed(Map.of("cac.windows", "7d,30d", "cac.bucket", "1d", "cac.grace", "1d"));
        feed.spend("web", "10", DAY0);
        feed.spend("web", "10", DAY0.plus(DAY.multipliedBy(20)));
        feed.replay(InputTopic.SPEND, 0);                          // 20 days later: a duplicate
        feed.spend("web", "10", DAY0.plus(DAY.multipliedBy(31)));
        feed.replay(InputTopic.SPEND, 0);                          // floor(31d - 1d) >= 0 + 30d: LATE
        feed.model.drain();
        assertThat(feed.model.counters()).containsEntry("duplicate.spend", 1).containsEntry("duplicate.weeksLater", 1);
        assertThat(feed.model.deadLetters()).extracting(ReferenceModel.ExpectedDeadLetter::reason)
                .containsExactly(DeadLetterReason.LATE);
    }

    // ------------------------------------------------------------------------------------------ held churns

    /** A held churn is applied only by a conversion read at a clock no later than its occurredAt + hold. */
    @Test
    void aConversionReadAfterTheHoldGivesTheHeldChurnUp() {
        Feed feed = new Feed(Map.of("cac.windows", "1d,3d", "cac.churn.hold", "1d"));
        feed.churn("late", DAY0);
        feed.churn("edge", DAY0.plus(DAY));
        feed.churn("before", DAY0);
        feed.conversion("other", "web", "10", DAY0.plus(DAY.multipliedBy(2)));     // the conversions clock: 2d
        feed.conversion("edge", "web", "10", DAY0.plus(Duration.ofHours(20)));     // read at 1d + hold: applied
        feed.conversion("late", "web", "10", DAY0.plus(Duration.ofHours(20)));     // read at 2d > 0 + 1d: given up
        feed.conversion("before", "web", "10", DAY0.minus(Duration.ofHours(1)));   // given up, not CHURN_BEFORE_...
        assertThat(feed.model.isActive("edge")).isFalse();
        assertThat(feed.model.isActive("late")).isTrue();
        assertThat(feed.model.isActive("before")).isTrue();
        assertThat(feed.model.deadLetters()).extracting(ReferenceModel.ExpectedDeadLetter::reason)
                .containsExactly(DeadLetterReason.UNKNOWN_CUSTOMER, DeadLetterReason.UNKNOWN_CUSTOMER);
        assertThat(feed.model.counters()).containsEntry("held.churn.applied", 1).containsEntry("boundary.hold", 1)
                .containsEntry("held.churn.givenUpByConversion", 2);
    }

    // ------------------------------------------------------------------------------------------ interval

    /** semantics.md, "The LTV:CAC interval": the worked example (domain.md example 2 at confidence 0.90). */
    @Test
    void intervalOfTheWorkedExample() {
        assertThat(ModelInterval.poissonLower(60, 0.10)).isCloseTo(50.3118, within(5e-5));
        assertThat(ModelInterval.poissonUpper(60, 0.10)).isCloseTo(71.1989, within(5e-5));
        assertThat(ModelInterval.churnLower(25, 500, 0.10)).isCloseTo(0.0378863, within(5e-8));
        assertThat(ModelInterval.churnUpper(25, 500, 0.10)).isCloseTo(0.0649147, within(5e-8));
        ModelFigures f = new ModelFigures(new BigDecimal("12000"), 400, 0, 0, 60, 25, 0, 535,
                new BigDecimal("53500"), 0.8 * 535, 30, 0.0, OptionalInt.empty());
        ModelInterval i = ModelInterval.of(f, 0.90);
        assertThat(i.lower()).isCloseTo(5.4740, within(5e-5));
        assertThat(i.upper()).isCloseTo(10.6437, within(5e-5));
    }

    /** The document's second case: L = 7, i = 1 %/month, H = 36, N = 45, k = 14 of 1,500, ARPU 48.6, m = 0.75. */
    @Test
    void intervalOfTheSecondCase() {
        long active = 1500 - 14 + 45;
        ModelFigures f = new ModelFigures(new BigDecimal("16632"), 0, 0, 0, 45, 14, 0, active,
                new BigDecimal("48.6").multiply(BigDecimal.valueOf(active)), 0.75 * active, 7, 0.01,
                OptionalInt.of(36));
        assertThat(f.ltvToCac()).isCloseTo(1.6026, within(5e-5));
        ModelInterval i = ModelInterval.of(f, 0.90);
        assertThat(i.lower()).isCloseTo(1.1850, within(5e-5));
        assertThat(i.upper()).isCloseTo(2.0977, within(5e-5));
    }

    /** Plays records into a model with offsets per topic, as the test driver assigns them. */
    private static final class Feed {
        final ReferenceModel model;
        final Map<InputTopic, Long> offsets = new EnumMap<>(InputTopic.class);
        final Map<String, SpecificRecord> sent = new HashMap<>();
        int ids;

        Feed(Map<String, String> settings) {
            model = new ReferenceModel(AppConfig.from(settings));
        }

        void send(InputTopic topic, SpecificRecord r) {
            long offset = offsets.merge(topic, 1L, Long::sum) - 1;
            sent.put(topic + "@" + offset, r);
            model.accept(topic, 0, offset, new Payload.Valid(r));
        }

        void replay(InputTopic topic, long offset) {
            send(topic, sent.get(topic + "@" + offset));
        }

        void spend(String channel, String amount, Instant at) {
            send(InputTopic.SPEND, MarketingSpend.newBuilder().setEventId("s" + (++ids)).setChannel(channel).setCampaign(null)
                    .setAmount(new BigDecimal(amount).setScale(4)).setCurrency("USD").setCategory(SpendCategory.MEDIA)
                    .setOccurredAt(at).build());
        }

        void lead(String channel, Integer quality, Instant at) {
            send(InputTopic.LEADS, Lead.newBuilder().setEventId("l" + (++ids)).setLeadId("lead" + ids).setChannel(channel)
                    .setCampaign(null).setQualityScore(quality).setOccurredAt(at).build());
        }

        void conversion(String customer, String channel, String revenue, Instant at) {
            send(InputTopic.CONVERSIONS, Conversion.newBuilder().setEventId("c" + (++ids)).setCustomerId(customer)
                    .setLeadId(null).setChannel(channel).setCampaign(null).setMonthlyRevenue(new BigDecimal(revenue).setScale(4))
                    .setCurrency("USD").setGrossMargin(null).setOccurredAt(at).build());
        }

        void churn(String customer, Instant at) {
            send(InputTopic.CHURN, Churn.newBuilder().setEventId("x" + (++ids)).setCustomerId(customer).setReason(null)
                    .setOccurredAt(at).build());
        }

        /** The last live snapshot of {@code key}, once drained. */
        ChannelMetrics latest(String key) {
            ChannelMetrics last = model.finalSnapshots().get(key);
            assertThat(last).as("a snapshot of " + key).isNotNull();
            assertThat(last.getSettled()).isFalse();
            return last;
        }
    }
}
