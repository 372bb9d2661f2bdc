package io.apsisimport.apsis;

import java.util.Objects;

/** One form field of a presigned POST. The value may be a policy or signature: never printed. */
public record FormField(String name, String value) {

    public FormField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return "FormField[name=" + name + ", value=***]";
    }
}
