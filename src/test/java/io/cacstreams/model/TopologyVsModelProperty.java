package io.cacstreams.model;

import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.MetricStatus;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsCoverage;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/**
 * The real topology (in a TopologyTestDriver) against the {@link ReferenceModel} on randomised streams: every
 * settled metrics record (per key, in order), every alert transition (per dedupKey, in order, alert ids paired from
 * FIRING to RESOLVED) and every dead letter (reason, source topic, partition, offset, eventId), compared after every
 * input; after a final drain (every partition idle) also the last live snapshot of every key. A failure is minimised
 * before it is reported. Coverage: the run fails unless every dead-letter reason the generators aim at, every kind
 * of alert transition, every status, every metric being defined and every situation the model counts occurred in at
 * least one try.
 *
 * <p>{@code -Dmodel.deviations=...} makes the model imitate a known topology bug, to look for further ones past it
 * (see {@link ReferenceModel.Deviation}); {@code -Dmodel.choice.<name>=false} flips one of the model's
 * {@link ReferenceModel.Choices}.
 */
class TopologyVsModelProperty {

    /** Every reason the generators aim at (not OTHER, nor OUTPUT_FAILED: a failure to produce, not an input). */
    static final List<String> REASONS = Arrays.stream(DeadLetterReason.values())
            .filter(r -> r != DeadLetterReason.OTHER && !r.name().equals("OUTPUT_FAILED")).map(Enum::name).toList();
    static final List<String> TRANSITIONS = List.of("LTV_CAC fire WARNING", "LTV_CAC fire CRITICAL", "LTV_CAC escalate",
            "LTV_CAC de-escalate", "LTV_CAC resolve", "NO_CONVERSIONS fire", "NO_CONVERSIONS resolve");
    static final List<String> METRICS = List.of("avgLeadQuality", "cpl", "leadToCustomerRate", "cac", "arpu",
            "grossMargin", "churnRate", "monthlyChurnRate", "retentionRate", "ltv", "ltvToCac", "cacPaybackMonths");
    static final List<String> STATUSES = Arrays.stream(MetricStatus.values()).map(Enum::name).toList();
    /**
     * Situations counted by the model: duplicates of every kind, copies re-sent more than 7 days of event time after
     * their originals and copies of conversions of churned customers; held churns applied, given up because their
     * conversion came too late, or before the acquisition; events counted from a later settled window than their
     * bucket's; and the {@code boundary.*} ones, exact ties (an event exactly at the LATE horizon, a held churn's
     * conversion or the conversions watermark exactly at its hold, a {@code for} span held exactly, a channel's first
     * spend in the window's first bucket, a churn at the very instant of the acquisition).
     */
    static final List<String> SITUATIONS = List.of("duplicate.spend", "duplicate.lead", "duplicate.conversion",
            "duplicate.churn", "duplicate.weeksLater", "duplicate.afterChurn", "copy.ofDeadLettered",
            "churn.held", "held.churn.applied", "held.churn.givenUpByConversion", "held.churn.beforeAcquisition",
            "reactivation", "fx.converted.EUR", "fx.converted.GBP", "fx.invalid", "alert.firedAfterFor",
            "late.settledLater", "boundary.late", "boundary.hold", "boundary.for", "boundary.fullWindow",
            "boundary.churnAtAcquisition");

    @Provide
    Arbitrary<Scenario> scenarios() {
        return ScenarioGenerator.scenarios(50, 150);
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE,
            generation = GenerationMode.RANDOMIZED, afterFailure = AfterFailureMode.SAMPLE_FIRST)
    void topologyAgreesWithTheModel(@ForAll("scenarios") Scenario scenario) {
        ReferenceModel.Choices choices = ReferenceModel.Choices.fromSystemProperties();
        Player.Outcome outcome = Player.compare(scenario, choices);
        if (!outcome.agreed()) {
            Player.Outcome minimal = Minimizer.minimize(outcome, choices, 600, 120_000);
            fail("The topology disagrees with the reference model.\n"
                    + "Minimal case found (" + minimal.scenario().events() + " events):\n" + minimal.mismatch()
                    + "\n\n" + minimal.scenario()
                    + "\nOriginal failure (" + scenario.events() + " events): " + outcome.mismatch());
        }
        collect(outcome);
        coverage("dead letter", REASONS);
        coverage("alert transition", TRANSITIONS);
        coverage("metric defined", METRICS);
        coverage("status", STATUSES);
        coverage("situation", SITUATIONS);
    }

    private static void collect(Player.Outcome outcome) {
        ReferenceModel m = outcome.model();
        Set<String> reasons = m.deadLetters().stream().map(d -> d.reason().name())
                .collect(Collectors.toCollection(LinkedHashSet::new));
        reasons.forEach(r -> Statistics.label("dead letter").collect(r));
        new LinkedHashSet<>(Player.transitionKinds(m)).forEach(k -> Statistics.label("alert transition").collect(k));
        List<ChannelMetrics> records = Stream.concat(m.emissions().stream().map(ReferenceModel.Emission::metrics),
                m.finalSnapshots().values().stream()).toList();
        for (String f : METRICS) {
            if (records.stream().anyMatch(r -> r.get(f) != null)) Statistics.label("metric defined").collect(f);
        }
        records.stream().map(r -> r.getStatus().name()).distinct().forEach(s -> Statistics.label("status").collect(s));
        m.counters().keySet().stream().filter(SITUATIONS::contains)
                .forEach(k -> Statistics.label("situation").collect(k));
        outcome.alertIdFormats().forEach(f -> Statistics.label("alertId format").collect(f));
    }

    private static void coverage(String label, List<String> required) {
        Statistics.label(label).coverage((StatisticsCoverage c) -> {
            for (String r : required) c.check(r).count((Integer n) -> n > 0);
        });
    }
}
