package io.apsisimport.lambda;

import java.util.function.Consumer;
import java.util.function.Supplier;

/** A value built at first use, once. */
final class Memo<T> implements Supplier<T> {
    private final Supplier<T> factory;
    private T value;

    Memo(Supplier<T> factory) {
        this.factory = factory;
    }

    @Override
    public synchronized T get() {
        if (value == null) {
            value = factory.get();
        }
        return value;
    }

    synchronized void ifBuilt(Consumer<T> action) {
        if (value != null) {
            action.accept(value);
        }
    }
}
