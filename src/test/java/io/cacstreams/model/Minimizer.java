package io.cacstreams.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Shrinks a failing scenario to a small one that fails the same way (same mismatch signature), by deleting chunks of
 * inputs (ddmin-style), within a budget of runs and time. Every scenario is valid whatever is deleted: inputs are
 * self-contained (absolute times, explicit ids) and offsets are assigned when a scenario is played.
 */
public final class Minimizer {
    private Minimizer() {
    }

    public static Player.Outcome minimize(Player.Outcome failed, ReferenceModel.Choices choices, int maxRuns, long maxMillis) {
        String signature = failed.mismatch().signature();
        long deadline = System.currentTimeMillis() + maxMillis;
        int runs = 0;
        Player.Outcome best = failed;
        // nothing after the first difference matters
        List<ModelInput> all = failed.scenario().inputs();
        // (a difference found after the final drain has the index inputs.size())
        int upTo = Math.min(all.size(), failed.mismatch().inputIndex() + 1);
        List<ModelInput> cur = withFinalFlush(new ArrayList<>(all.subList(0, upTo)));
        Player.Outcome o = Player.compare(failed.scenario().withInputs(cur), choices);
        runs++;
        if (sameFailure(o, signature)) best = o; else cur = new ArrayList<>(all);
        int chunk = Math.max(1, cur.size() / 2);
        while (chunk >= 1 && runs < maxRuns && System.currentTimeMillis() < deadline) {
            boolean removed = false;
            for (int start = 0; start < cur.size() && runs < maxRuns && System.currentTimeMillis() < deadline; ) {
                List<ModelInput> candidate = new ArrayList<>(cur.subList(0, start));
                candidate.addAll(cur.subList(Math.min(cur.size(), start + chunk), cur.size()));
                candidate = withFinalFlush(candidate);
                if (candidate.size() >= cur.size() || candidate.isEmpty()) {
                    start += chunk;
                    continue;
                }
                o = Player.compare(failed.scenario().withInputs(candidate), choices);
                runs++;
                if (sameFailure(o, signature)) {
                    best = o;
                    int keep = Math.min(candidate.size(), o.mismatch().inputIndex() + 1);
                    cur = withFinalFlush(new ArrayList<>(candidate.subList(0, keep)));
                    removed = true;
                } else {
                    start += chunk;
                }
            }
            if (!removed) chunk /= 2;
        }
        return best;
    }

    private static boolean sameFailure(Player.Outcome o, String signature) {
        return !o.agreed() && o.mismatch().signature().equals(signature);
    }

    private static List<ModelInput> withFinalFlush(List<ModelInput> inputs) {
        if (inputs.isEmpty() || !(inputs.get(inputs.size() - 1) instanceof ModelInput.Flush)) inputs.add(new ModelInput.Flush());
        return inputs;
    }
}
