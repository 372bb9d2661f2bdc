package io.apsisimport.route;

/** No route in routes.json matches the object key. The state machine catches it by name. */
public final class NoRouteForKeyException extends RuntimeException {
  public NoRouteForKeyException(String message) {
    super(message);
  }
}
