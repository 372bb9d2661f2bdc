package io.apsisimport.route;

/** routes.json is missing or invalid; the message names the route and the field. */
public final class InvalidRoutesException extends RuntimeException {
    public InvalidRoutesException(String message) {
        super(message);
    }
}
