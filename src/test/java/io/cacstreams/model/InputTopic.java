package io.cacstreams.model;

import io.cacstreams.config.TopicNames;

/** The input topics of cac-streams. */
public enum InputTopic {
    SPEND, LEADS, CONVERSIONS, CHURN, FX;

    public String name(TopicNames names) {
        return switch (this) {
            case SPEND -> names.spend();
            case LEADS -> names.leads();
            case CONVERSIONS -> names.conversions();
            case CHURN -> names.churn();
            case FX -> names.fxRates();
        };
    }
}
