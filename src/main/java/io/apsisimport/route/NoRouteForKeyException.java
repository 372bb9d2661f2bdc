package io.apsisimport.route;

/**
 * No route in routes.json matches the object key. Not retried; the Task that resolves the route
 * catches it with {@code States.ALL} and the file goes to {@code failed/} with this class name and
 * message in its report.
 */
public final class NoRouteForKeyException extends RuntimeException {
    public NoRouteForKeyException(String message) {
        super(message);
    }
}
