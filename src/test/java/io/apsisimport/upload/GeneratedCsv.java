package io.apsisimport.upload;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A deterministic CSV of exactly {@code size} bytes, generated on the fly (never held in memory):
 * a header, then rows {@code user<n>@example.com,"Name, <n>",<n mod 97>}. The last row may be cut short.
 */
final class GeneratedCsv extends InputStream {

    static final String HEADER = "email,name,score\n";

    private final long size;
    private long produced;
    private long row;
    private byte[] current = HEADER.getBytes(StandardCharsets.US_ASCII);
    private int index;

    GeneratedCsv(long size) {
        this.size = size;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (produced >= size) {
            return -1;
        }
        int n = 0;
        while (n < len && produced < size) {
            if (index == current.length) {
                row++;
                current = ("user" + row + "@example.com,\"Name, " + row + "\"," + (row % 97) + "\n")
                        .getBytes(StandardCharsets.US_ASCII);
                index = 0;
            }
            int take = (int) Math.min(Math.min(len - n, current.length - index), size - produced);
            System.arraycopy(current, index, b, off + n, take);
            index += take;
            n += take;
            produced += take;
        }
        return n;
    }
}
