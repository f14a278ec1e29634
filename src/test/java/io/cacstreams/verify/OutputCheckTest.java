package io.cacstreams.verify;

import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutputCheckTest {
    private static final String KEY = "cac-streams/NO_CONVERSIONS/referral/7d";

    private static ChannelAlert alert(String id, AlertStatus status, long startsAt) {
        return ChannelAlert.newBuilder().setAlertId(id).setDedupKey(KEY).setRule(AlertRule.NO_CONVERSIONS)
                .setChannel("referral").setWindowDays(7).setStatus(status).setSeverity(AlertSeverity.CRITICAL)
                .setThreshold(3.0).setCriticalThreshold(1.0).setSpend(10.0).setNewCustomers(0)
                .setReportingCurrency("USD").setStartsAt(Instant.ofEpochMilli(startsAt))
                .setEndsAt(status == AlertStatus.RESOLVED ? Instant.ofEpochMilli(startsAt + 1) : null)
                .setEvaluatedAt(Instant.ofEpochMilli(startsAt)).setMessage("m").build();
    }

    @Test
    void aFiringRepeatedUnderAnotherIdByAReEvaluationIsAtLeastOnceRepetition() {
        ChannelAlert first = alert("id-1", AlertStatus.FIRING, 100);
        ChannelAlert again = alert("id-2", AlertStatus.FIRING, 200);
        ChannelAlert resolved = alert("id-2", AlertStatus.RESOLVED, 200);
        List<ChannelAlert> seen = List.of(first, first, again, resolved);

        assertThat(OutputCheck.alerts(seen)).as("exactly-once forbids it").isNotEmpty();
        List<ChannelAlert> distinct = OutputCheck.distinctTransitions(seen);
        assertThat(distinct).containsExactly(again, resolved);
        assertThat(OutputCheck.alerts(distinct)).isEmpty();
    }

    @Test
    void aLostFiringIsStillFound() {
        List<ChannelAlert> distinct = OutputCheck.distinctTransitions(List.of(alert("id-1", AlertStatus.RESOLVED, 100)));
        assertThat(OutputCheck.alerts(distinct)).singleElement().asString().contains("RESOLVED without a FIRING");
    }
}
