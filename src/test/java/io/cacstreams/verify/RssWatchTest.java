package io.cacstreams.verify;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

import static org.assertj.core.api.Assertions.assertThat;

class RssWatchTest {
    private static final long MIB = 1024;

    /** 36 samples in MiB: a warm-up from 300 to 500, then {@code after(i)} for samples 12 to 35. */
    private static List<Long> samples(IntToLongFunction after) {
        List<Long> kb = new ArrayList<>();
        for (int i = 0; i < 36; i++) kb.add((i < 12 ? 300 + i * 200 / 12 : after.applyAsLong(i)) * MIB);
        return kb;
    }

    @Test
    void aFlatResidentSetLevelsOff() {
        assertThat(RssWatch.verdict(samples(i -> 500 + i % 3))).isNull();
    }

    @Test
    void steadyGrowthIsALeak() {
        // 8 MiB per sample (4 MB/s): the last third's floor is 96 MiB above the middle third's
        assertThat(RssWatch.verdict(samples(i -> 500 + (i - 12) * 8L))).startsWith("RSS keeps growing");
    }

    @Test
    void aStepThatStaysIsGrowth() {
        assertThat(RssWatch.verdict(samples(i -> i < 24 ? 500 : 760))).startsWith("RSS keeps growing");
    }

    @Test
    void aSpikeThatPassesIsNot() {
        // what the soak saw with -XX:TrimNativeHeapInterval: a compilation's native memory for four samples, half of
        // it trimmed for two more, then all of it (the median of the last third, 632, would call this growth)
        assertThat(RssWatch.verdict(samples(i -> i >= 26 && i < 30 ? 740 : i >= 30 && i < 32 ? 632 : 505)))
                .isNull();
    }

    @Test
    void tooFewSamplesAreNoVerdictOfHealth() {
        assertThat(RssWatch.verdict(List.of(1L, 2L, 3L))).startsWith("too few");
    }
}
