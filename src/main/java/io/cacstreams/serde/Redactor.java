package io.cacstreams.serde;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Removes known secrets (the basic-auth password, keystore passwords) from text that did not come from us: error
 * messages of the registry and of the JDK. Our own messages never include secrets to begin with.
 */
final class Redactor {
    static final String HIDDEN = "[hidden]";
    private final List<String> secrets;

    Redactor(List<String> secrets) {
        List<String> s = new ArrayList<>();
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) s.add(secret);
        }
        s.sort(Comparator.comparingInt(String::length).reversed());
        this.secrets = List.copyOf(s);
    }

    static Redactor none() {
        return new Redactor(List.of());
    }

    /** {@code text} with every secret replaced by {@value #HIDDEN}; null stays null. */
    String scrub(String text) {
        if (text == null) return null;
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, HIDDEN);
        }
        return out;
    }

    /** One line of at most {@code max} characters, scrubbed. */
    String oneLine(String text, int max) {
        return Text.oneLine(scrub(Objects.toString(text, "")), max);
    }
}
