package dev.mailpipe.model;

/**
 * Searches in a record's bytes without decoding them: the readers that count events by type (the
 * console's minutes, the status's delivered count) look at every event record and need only to
 * know whether, and where, a few ASCII bytes occur.
 */
public final class Bytes {
    private Bytes() {
    }

    /** Where {@code needle} first occurs in {@code haystack}, or -1; an empty needle is at 0. */
    public static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
