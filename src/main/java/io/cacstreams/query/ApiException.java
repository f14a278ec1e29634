package io.cacstreams.query;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An answer other than 200, as the JSON error body {@code {"status":404,"error":"not_found","message":"..."}}. */
final class ApiException extends RuntimeException {
    private final int status;
    private final String error;

    private ApiException(int status, String error, String message) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    /** Another instance failed to answer a forwarded query. */
    static ApiException badGateway(String message) {
        return new ApiException(502, "bad_gateway", message);
    }

    /** State not queryable now (starting, restoring, rebalancing): worth a retry. */
    static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }

    /** The same error as another instance answered it. */
    static ApiException of(int status, String error, String message) {
        return new ApiException(status, error, message);
    }

    int status() {
        return status;
    }

    ObjectNode body() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("status", status).put("error", error).put("message", getMessage());
        return body;
    }
}
