package io.federa.manager.poll;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * An answer's UTF-8 bytes decoded into characters for the parser, in a buffer each thread keeps
 * from one answer to the next (malformed bytes become U+FFFD, as a reader would make them). A
 * buffer grown for an answer larger than {@value #KEPT_CHARS} characters is not kept. The
 * characters are valid until the same thread decodes the next answer.
 */
record Text(char[] chars, int length) {
    /** The largest buffer a thread keeps: 128 KiB, an answer of some 150 VMs. */
    static final int KEPT_CHARS = 64 * 1024;

    private static final ThreadLocal<Decoder> DECODERS = ThreadLocal.withInitial(Decoder::new);

    static Text decode(byte[] utf8) {
        return DECODERS.get().decode(utf8);
    }

    private static final class Decoder {
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private char[] kept = new char[8 * 1024];

        Text decode(byte[] bytes) {
            // UTF-8 never decodes to more characters than it has bytes.
            char[] chars = bytes.length <= kept.length ? kept : new char[bytes.length];
            if (bytes.length > kept.length && bytes.length <= KEPT_CHARS) {
                kept = chars;
            }
            CharBuffer out = CharBuffer.wrap(chars);
            utf8.reset();
            utf8.decode(ByteBuffer.wrap(bytes), out, true);
            utf8.flush(out);
            return new Text(chars, out.position());
        }
    }
}
