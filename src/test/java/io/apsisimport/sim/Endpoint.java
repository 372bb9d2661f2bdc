package io.apsisimport.sim;

/** The simulator's endpoints, for fault injection and call counting. */
public enum Endpoint {
    /** POST /oauth/token */
    TOKEN,
    /** POST /v2/audience/sections/{section}/imports */
    REQUEST_IMPORT,
    /** GET /audience/sections/{section}/imports/{id} */
    IMPORT_STATUS,
    /** POST /uploads/{bucket} (the presigned POST target) */
    UPLOAD
}
