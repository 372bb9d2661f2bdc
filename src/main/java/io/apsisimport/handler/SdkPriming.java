package io.apsisimport.handler;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Runs an SDK client's request path offline, for SnapStart priming: marshalling, endpoint rules,
 * signing and the interceptors run as for a real call, then this interceptor stops the request
 * before it is sent. A first call otherwise spends hundreds of milliseconds loading and building
 * all that. Priming requests are signed with dummy credentials, so the function's own credentials
 * are not resolved before the snapshot either (SnapStart hands them out after the restore).
 */
final class SdkPriming implements ExecutionInterceptor {
  private static final ExecutionAttribute<Boolean> PRIMING = new ExecutionAttribute<>("io.apsisimport.priming");
  private static final StaticCredentialsProvider DUMMY =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming"));

  /** Thrown instead of sending a priming request. */
  static final class NotSent extends RuntimeException {
    NotSent() {
      super("priming request: not sent", null, false, false);
    }
  }

  @Override
  public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
    if (Boolean.TRUE.equals(attributes.getAttribute(PRIMING))) {
      throw new NotSent();
    }
  }

  /** Marks a request as a priming request (for {@code overrideConfiguration}). */
  static void mark(AwsRequestOverrideConfiguration.Builder request) {
    request.putExecutionAttribute(PRIMING, true).credentialsProvider(DUMMY);
  }

  /** Runs a priming call; it ends, as intended, with {@link NotSent}. */
  static void run(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof NotSent) {
          return;
        }
      }
      throw e;
    }
  }
}
