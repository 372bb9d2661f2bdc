package io.apsisimport.lambda;

import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** How a failed AWS call is named in a log line. */
public final class AwsErrors {
    private AwsErrors() {}

    /** Error code and message, without the task token (a bearer credential for that task). */
    public static String describe(RuntimeException e, String token) {
        String code = e instanceof AwsServiceException aws
                        && aws.awsErrorDetails() != null
                        && aws.awsErrorDetails().errorCode() != null
                ? aws.awsErrorDetails().errorCode()
                : e.getClass().getSimpleName();
        String message = String.valueOf(e.getMessage());
        if (token != null && !token.isEmpty()) {
            message = message.replace(token, "<task token>");
        }
        return code + ": " + message;
    }
}
