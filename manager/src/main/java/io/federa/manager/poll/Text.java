package io.federa.manager.poll;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * An answer's UTF-8 bytes decoded into characters for the parser, in a buffer each thread keeps
 * from one answer to the next (malformed bytes become U+FFFD, as a reader would make them). A
 * buffer grown for an answer larger than {@value #KEPT_CHARS} characters (or bytes) is not kept. The
 * characters are valid until the same thread decodes the next answer.
 */
record Text(char[] chars, int length) {
    /** The largest answer a thread keeps its buffers for: 64 Ki characters (128 KiB of characters, 64 KiB of bytes), some 75 VMs. */
    static final int KEPT_CHARS = 64 * 1024;

    private static final ThreadLocal<Decoder> DECODERS = ThreadLocal.withInitial(Decoder::new);

    static Text decode(byte[] utf8) {
        return DECODERS.get().decode(utf8, utf8.length);
    }

    /** The same from a Vert.x buffer, copied first into bytes the thread keeps (no copy of its own). */
    static Text decode(io.vertx.core.buffer.Buffer utf8) {
        return DECODERS.get().decode(utf8);
    }

    private static final class Decoder {
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private char[] kept = new char[8 * 1024];
        private byte[] keptBytes = new byte[8 * 1024];

        Text decode(io.vertx.core.buffer.Buffer buffer) {
            int length = buffer.length();
            byte[] bytes = length <= keptBytes.length ? keptBytes : new byte[length];
            if (length > keptBytes.length && length <= KEPT_CHARS) {
                keptBytes = bytes;
            }
            buffer.getBytes(0, length, bytes, 0);
            return decode(bytes, length);
        }

        Text decode(byte[] bytes, int length) {
            // UTF-8 never decodes to more characters than it has bytes.
            char[] chars = length <= kept.length ? kept : new char[length];
            if (length > kept.length && length <= KEPT_CHARS) {
                kept = chars;
            }
            CharBuffer out = CharBuffer.wrap(chars);
            utf8.reset();
            utf8.decode(ByteBuffer.wrap(bytes, 0, length), out, true);
            utf8.flush(out);
            return new Text(chars, out.position());
        }
    }
}
