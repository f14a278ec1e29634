package io.cacstreams.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** CI runs the README's test command as written, so that what CI proves is what a new user types. */
class ReadmeCommandsTest {

    /** The command lines of the README's quick start (its first bash block), comments left out. */
    static List<String> quickStart() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("```bash", readme.indexOf("## Quick start"));
        String block = readme.substring(start + "```bash".length(), readme.indexOf("```", start + 1));
        return block.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    void ciRunsTheReadmesTestCommandAsWritten() throws IOException {
        List<String> quickStart = quickStart();
        assertThat(quickStart).hasSize(2);
        String testCommand = quickStart.get(1);
        assertThat(testCommand).startsWith("mvn ").contains("verify");
        List<String> ci = Files.readAllLines(Path.of(".ci/run")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ci.get(ci.size() - 1)).as("the last command of .ci/run").isEqualTo(testCommand);
        assertThat(ci).filteredOn(l -> l.startsWith("mvn ") && !l.startsWith("mvn -v")).containsExactly(testCommand);
    }
}
