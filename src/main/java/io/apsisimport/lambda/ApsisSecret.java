package io.apsisimport.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ApsisCredentialsException;
import io.apsisimport.apsis.ApsisTransientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * The APSIS API client's credentials in a Secrets Manager secret, {@code {"client_id": …,
 * "client_secret": …}}. Read at first use, never at init: the stack creates the secret with a
 * placeholder that the user replaces after the first deployment. Every message names the secret's
 * ARN and what is wrong with it, never its value (a parser's message would quote it).
 */
public final class ApsisSecret {
    /** What the stack's placeholder client_id starts with (template.yaml, ApsisSecret). */
    public static final String PLACEHOLDER_PREFIX = "REPLACE";

    private ApsisSecret() {}

    /**
     * @throws ApsisCredentialsException the secret is missing, unreadable for this function, or holds
     *         no usable credentials
     * @throws ApsisTransientException Secrets Manager could not be reached (after the SDK's retries)
     */
    public static ApsisCredentials read(SecretsManagerClient secretsManager, String arn) {
        String value;
        try {
            value = secretsManager.getSecretValue(b -> b.secretId(arn)).secretString();
        } catch (SecretsManagerException e) {
            String code = e.awsErrorDetails() == null
                    ? e.getClass().getSimpleName()
                    : e.awsErrorDetails().errorCode();
            if (e.statusCode() >= 500 || e.isThrottlingException()) {
                throw new ApsisTransientException("reading the APSIS secret " + arn + " failed: " + code, -1, null);
            }
            throw new ApsisCredentialsException("the APSIS secret " + arn + " cannot be read by this function: " + code
                    + " (does it exist, and may the function's role read and decrypt it?)");
        } catch (SdkException e) {
            throw new ApsisTransientException(
                    "reading the APSIS secret " + arn + " failed: "
                            + e.getClass().getSimpleName(),
                    -1,
                    null);
        }
        return parse(arn, value);
    }

    /** The credentials in a secret's value; the message of a failure never contains the value. */
    public static ApsisCredentials parse(String arn, String value) {
        if (value == null) {
            throw invalid(arn, "holds no secret string (a binary secret?)");
        }
        JsonNode json;
        try {
            json = JsonHandler.JSON.readTree(value);
        } catch (JsonProcessingException notJson) {
            // Not chained, and its message not used: Jackson quotes the text it could not read.
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw invalid(arn, "is not a JSON object");
        }
        String id = text(json, "client_id");
        String secret = text(json, "client_secret");
        if (id == null) {
            throw invalid(arn, "has no client_id");
        }
        if (id.startsWith(PLACEHOLDER_PREFIX)) {
            throw invalid(arn, "still holds the placeholder the stack created");
        }
        if (secret == null) {
            throw invalid(arn, "has no client_secret");
        }
        return new ApsisCredentials(id, secret);
    }

    private static String text(JsonNode json, String field) {
        JsonNode v = json.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    private static ApsisCredentialsException invalid(String arn, String problem) {
        return new ApsisCredentialsException("the APSIS secret " + arn + " " + problem
                + ": put the API client's credentials into it (aws secretsmanager put-secret-value --secret-id " + arn
                + " --secret-string '{\"client_id\":\"...\",\"client_secret\":\"...\"}'); no redeploy needed");
    }
}
