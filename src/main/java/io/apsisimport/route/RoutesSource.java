package io.apsisimport.route;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads routes.json from the landing bucket, re-read only when its ETag changes (a warm
 * container answers from its cached copy after one HEAD request).
 */
public final class RoutesSource {
    private final S3Client s3;
    private final String key;
    private Cached cached;

    private record Cached(String bucket, String etag, RouteConfig config) {}

    public RoutesSource(S3Client s3, String key) {
        this.s3 = s3;
        this.key = key;
    }

    public String key() {
        return key;
    }

    public synchronized RouteConfig load(String bucket) {
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
            if (cached != null
                    && cached.bucket().equals(bucket)
                    && cached.etag().equals(head.eTag())) {
                return cached.config();
            }
            try (ResponseInputStream<GetObjectResponse> in =
                    s3.getObject(b -> b.bucket(bucket).key(key))) {
                RouteConfig config = RouteConfig.parse(in, key);
                cached = new Cached(bucket, in.response().eTag(), config);
                return config;
            }
        } catch (NoSuchKeyException e) {
            throw new InvalidRoutesException(
                    "no routing config at s3://" + bucket + "/" + key + ": upload one (see examples/routes.json)");
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new InvalidRoutesException(
                        "no routing config at s3://" + bucket + "/" + key + ": upload one (see examples/routes.json)");
            }
            throw e;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading s3://" + bucket + "/" + key, e);
        }
    }
}
