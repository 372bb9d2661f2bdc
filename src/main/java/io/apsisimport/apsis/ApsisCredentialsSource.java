package io.apsisimport.apsis;

/**
 * Where {@link ApsisClient} gets the API client's credentials: asked at the first token request,
 * not when the client is built (with SnapStart, building happens when a version is published,
 * before anyone has put the real secret). {@link #invalidate()} is called when APSIS's token
 * endpoint rejects the credentials, so that a secret put or rotated meanwhile is read again.
 */
public interface ApsisCredentialsSource {

    /**
     * The current credentials.
     *
     * @throws ApsisCredentialsException when they are missing or malformed (the message says where
     *         and what is wrong, never the value)
     * @throws ApsisTransientException when the store could not be read just now
     */
    ApsisCredentials get();

    /** Forgets cached credentials: the next {@link #get()} reads them again. */
    default void invalidate() {}

    /** Where the credentials are kept, for messages (e.g. "the secret arn:…"); never their value. */
    default String origin() {
        return "the client's configuration";
    }

    /** Fixed credentials (tests, local tools). */
    static ApsisCredentialsSource of(ApsisCredentials credentials) {
        java.util.Objects.requireNonNull(credentials, "credentials");
        return () -> credentials;
    }
}
