package io.cacstreams.config;

/** Names of every topic cac-streams reads or writes; the defaults are the public contract (see README). */
public record TopicNames(String spend, String leads, String conversions, String churn, String fxRates,
                         String metrics, String alerts, String deadLetter) {

    public static TopicNames defaults() {
        return new TopicNames("marketing-spend", "leads", "conversions", "churn", "fx-rates",
                "channel-metrics", "channel-alerts", "cac-dead-letter");
    }

    public java.util.List<String> inputs() {
        return java.util.List.of(spend, leads, conversions, churn);
    }

    public java.util.List<String> outputs() {
        return java.util.List.of(metrics, alerts, deadLetter);
    }
}
