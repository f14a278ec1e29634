package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end of a run: every channel's latest figures, the alert transitions and the dead letters the application wrote
 * ({@link OutputSnapshot}), against what {@link ExpectedFigures} recomputed from the events produced.
 */
final class FigureCheck {
    private static final Pattern DEAD_LETTER_COUNT = Pattern.compile("expected (\\d+)(?: to (\\d+))?, was (\\d+)");

    /**
     * @param metricsChecked the (channel, window) metrics records compared
     * @param mismatches     what is wrong
     * @param excess         at-least-once: figures above the expected ones (allowed: re-processing), reported only
     */
    record Result(int metricsChecked, List<String> mismatches, List<String> excess) {
    }

    private FigureCheck() {
    }

    static Result judge(AppConfig config, ExpectedFigures expected, OutputSnapshot out,
                        Map<String, GeneratedEvent> badAt, VerifyRun.Check check) {
        List<String> mismatches = new ArrayList<>();
        List<String> excess = new ArrayList<>();
        int checked = 0;
        for (String channel : expected.channels()) {
            for (Duration w : config.windows()) {
                int days = (int) w.toDays();
                ChannelMetrics m = out.latestMetrics.get(channel + "|" + days + "d");
                if (m == null) {
                    mismatches.add(channel + "|" + days + "d: no metrics record");
                    continue;
                }
                checked++;
                var want = expected.expect(channel, days, m.getAsOf().toEpochMilli());
                if (check == VerifyRun.Check.EXACT) {
                    mismatches.addAll(OutputCheck.compare(want, m));
                } else {
                    mismatches.addAll(OutputCheck.lowerCounts(want, m));
                    excess.addAll(OutputCheck.compare(want, m));
                }
            }
        }
        if (check == VerifyRun.Check.EXACT) {
            mismatches.addAll(OutputCheck.alerts(out.alerts));
            mismatches.addAll(expected.checkDeadLetters(out.deadLettersByReason()));
            mismatches.addAll(deadLetterCoordinates(badAt, out.deadLetters));
        } else {
            List<ChannelAlert> distinct = OutputCheck.distinctTransitions(out.alerts);
            if (distinct.size() < out.alerts.size()) {
                excess.add((out.alerts.size() - distinct.size()) + " alert transitions repeated");
            }
            mismatches.addAll(OutputCheck.alerts(distinct));
            for (String d : expected.checkDeadLetters(out.deadLettersByReason())) {
                (d.contains("was") && isAbove(d) ? excess : mismatches).add(d);
            }
        }
        return new Result(checked, mismatches, excess);
    }

    /** A dead-letter line of {@link ExpectedFigures#checkDeadLetters}: is the actual count above the expected range? */
    private static boolean isAbove(String line) {
        Matcher m = DEAD_LETTER_COUNT.matcher(line);
        if (!m.find()) return false;
        long hi = Long.parseLong(m.group(2) != null ? m.group(2) : m.group(1));
        return Long.parseLong(m.group(3)) > hi;
    }

    /**
     * Every dead letter must name the coordinates of a record produced as bad, with the reason its fault calls for,
     * and once; every bad record must be there, except churns of never-seen customers still held at the end (their
     * number is checked by {@link ExpectedFigures#checkDeadLetters}).
     */
    static List<String> deadLetterCoordinates(Map<String, GeneratedEvent> badAt, List<DeadLetter> deadLetters) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (DeadLetter d : deadLetters) {
            String where = Production.at(d.getSourceTopic(), d.getSourcePartition(), d.getSourceOffset());
            if (!seen.add(where)) {
                out.add("dead letter " + where + " (" + d.getReason() + ") appears twice");
                continue;
            }
            GeneratedEvent e = badAt.get(where);
            if (e == null) {
                out.add("dead letter " + where + " (" + d.getReason() + ": " + d.getDetail()
                        + ") is not a record produced as bad");
            } else if (e.fault().expectedReason() != d.getReason()) {
                out.add("dead letter " + where + ": reason " + d.getReason() + ", expected "
                        + e.fault().expectedReason() + " for " + e.fault());
            }
        }
        badAt.forEach((where, e) -> {
            if (!seen.contains(where) && e.fault() != Fault.UNKNOWN_CUSTOMER) {
                out.add("bad record " + where + " (" + e.fault() + ") has no dead letter");
            }
        });
        return out;
    }
}
