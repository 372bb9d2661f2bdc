package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Base of every handler: JSON in, typed record, JSON out, with our own Jackson mapper (the Lambda
 * runtime's built-in serializer ignores Jackson annotations and knows nothing of records' naming).
 */
public abstract class JsonHandler<I, O> implements RequestStreamHandler {
  static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

  private final Class<I> inputType;

  protected JsonHandler(Class<I> inputType) {
    this.inputType = inputType;
  }

  /** The work of one invocation. Exceptions propagate: their class names drive Retry/Catch. */
  public abstract O handle(I input, Context context);

  @Override
  public final void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
    I input = JSON.readValue(in, inputType);
    O output = handle(input, context);
    JSON.writeValue(out, output);
  }
}
