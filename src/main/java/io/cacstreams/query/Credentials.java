package io.cacstreams.query;

import io.cacstreams.config.QuerySettings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The query server's credentials: a bearer token and/or basic auth ({@code user:password}), from configuration. A
 * request is accepted with either; the comparison takes the same time whatever the guess. Never logged.
 */
final class Credentials {
    private final byte[] bearer;
    private final byte[] basic;

    private Credentials(String bearerToken, String basicUserInfo) {
        this.bearer = bearerToken == null ? null : ("Bearer " + bearerToken).getBytes(StandardCharsets.UTF_8);
        this.basic = basicUserInfo == null ? null : ("Basic " + Base64.getEncoder()
                .encodeToString(basicUserInfo.getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
    }

    static Credentials of(QuerySettings settings) {
        return new Credentials(settings.bearerToken(), settings.basicAuthUserInfo());
    }

    boolean required() {
        return bearer != null || basic != null;
    }

    boolean basicConfigured() {
        return basic != null;
    }

    /** True if no credentials are configured, or {@code header} (the Authorization header, may be null) matches. */
    boolean accepts(String header) {
        if (!required()) return true;
        if (header == null) return false;
        byte[] given = header.strip().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        // both compared, each in constant time, so the answer's timing says nothing about which or how much matched
        if (bearer != null) ok |= MessageDigest.isEqual(given, bearer);
        if (basic != null) ok |= MessageDigest.isEqual(given, basic);
        return ok;
    }

    /** The WWW-Authenticate challenges of a 401 (Basic makes browsers ask for a user and password). */
    List<String> challenges() {
        List<String> out = new ArrayList<>();
        if (basic != null) out.add("Basic realm=\"cac-streams\", charset=\"UTF-8\"");
        if (bearer != null) out.add("Bearer realm=\"cac-streams\"");
        return out;
    }

    /** The header this instance sends when it forwards a query to another instance, or null. */
    String authorizationHeader() {
        byte[] h = bearer != null ? bearer : basic;
        return h == null ? null : new String(h, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Credentials[bearer=" + (bearer != null) + ", basic=" + (basic != null) + "]";
    }
}
