package io.apsisimport.apsis;

import java.util.Objects;

/** OAuth client credentials for APSIS One. The secret is never printed. */
public record ApsisCredentials(String clientId, String clientSecret) {

    public ApsisCredentials {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
    }

    @Override
    public String toString() {
        return "ApsisCredentials[clientId=" + clientId + ", clientSecret=***]";
    }
}
