package io.apsisimport.apsis;

/**
 * The APSIS API client's credentials are missing or malformed where they are kept (the secret
 * still holds the placeholder the stack created, is not JSON, lacks a field). The message names the
 * place (the secret's ARN) and what is wrong, never the value. Not retried: a person has to put the
 * credentials; the next invocation reads them again.
 */
public final class ApsisCredentialsException extends ApsisException {

    public ApsisCredentialsException(String message) {
        super(message, -1, null);
    }
}
