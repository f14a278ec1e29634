package io.cacstreams.runtime;

import io.cacstreams.serde.RegistryUnavailableException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

class UncaughtExceptionPolicyTest {

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void transientCausesAnywhereInTheChain() {
        assertThat(UncaughtExceptionPolicy.isTransient(new TimeoutException("t"))).isTrue();
        assertThat(UncaughtExceptionPolicy.isTransient(
                new StreamsException("task failed", new RegistryUnavailableException("registry down", 503, null)))).isTrue();
        assertThat(UncaughtExceptionPolicy.isTransient(
                new StreamsException(new RuntimeException(new NotEnoughReplicasException("x"))))).isTrue();
        assertThat(UncaughtExceptionPolicy.isTransient(new StreamsException("bug", new NullPointerException()))).isFalse();
        assertThat(UncaughtExceptionPolicy.isTransient(new IllegalStateException("corrupt"))).isFalse();
    }

    @Test
    void aCauseCycleDoesNotLoop() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(UncaughtExceptionPolicy.isTransient(a)).isFalse();
    }

    @Test
    void replacesOnTransientErrorsAndShutsDownOnOthers() {
        UncaughtExceptionPolicy policy = UncaughtExceptionPolicy.defaults();
        assertThat(policy.handle(new StreamsException(new RegistryUnavailableException("down", -1, null))))
                .isEqualTo(REPLACE_THREAD);
        assertThat(policy.handle(new StreamsException(new ArithmeticException("/ by zero")))).isEqualTo(SHUTDOWN_CLIENT);
    }

    @Test
    void aLastingOutageEndsInShutdownOnceTheBudgetIsSpent() {
        MutableClock clock = new MutableClock();
        UncaughtExceptionPolicy policy = new UncaughtExceptionPolicy(3, Duration.ofMinutes(10), clock);
        TimeoutException outage = new TimeoutException("broker unreachable");
        for (int i = 0; i < 3; i++) {
            assertThat(policy.handle(outage)).isEqualTo(REPLACE_THREAD);
            clock.now = clock.now.plusSeconds(60);
        }
        assertThat(policy.handle(outage)).isEqualTo(SHUTDOWN_CLIENT);
        // replacements older than the window no longer count
        clock.now = clock.now.plus(Duration.ofMinutes(10));
        assertThat(policy.handle(outage)).isEqualTo(REPLACE_THREAD);
    }
}
