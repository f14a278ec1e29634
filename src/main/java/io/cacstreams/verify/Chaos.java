package io.cacstreams.verify;

/** What happens to the running application between its first start and the wait for quiescence. */
@FunctionalInterface
public interface Chaos {
    void run(Instances instances) throws Exception;

    /** {@code kills} times: wait 4-12 s (transactions open), kill -9 instance 0 and restart it. */
    static Chaos randomKills(int kills) {
        return in -> {
            for (int k = 0; k < kills; k++) {
                Thread.sleep(4000 + in.random().nextInt(8000));
                in.kill(in.get(0));
                in.restart(in.get(0));
            }
        };
    }
}
