package io.federa.agent.core;

import java.util.regex.Pattern;

/**
 * The shapes of every name the agent accepts from outside. VM and host names are DNS labels
 * (they end up in JMX object names, SNMP strings, file names and libvirt XML, so nothing that
 * needs quoting anywhere is allowed). Application and service labels may use any letter or digit
 * of any script, plus {@code . _ -}: they are stored through a DOM API and must round-trip exactly.
 */
public final class Names {
    /** A lower-case DNS label: 1 to 63 characters, letters, digits and inner hyphens. */
    public static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    /** An application or service label: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit. */
    public static final Pattern LABEL = Pattern.compile("[\\p{L}\\p{Nd}][\\p{L}\\p{Nd}._-]{0,63}");

    /** An operation id or a lease holder: 1 to 64 ASCII letters, digits, '.', '_', ':' or '-'. */
    public static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    public static final String TOKEN_RULE = "1 to 64 characters among A-Z a-z 0-9 . _ : -";

    /**
     * A Linux network interface's name (a bridge's): 1 to 15 ASCII letters, digits, '_', '.' or
     * '-', starting with a letter or digit (so never "." or "..", which the kernel refuses).
     */
    public static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}");

    public static final String INTERFACE_RULE = "1 to 15 characters among A-Z a-z 0-9 _ . -, starting with a letter or digit";

    public static final String DNS_LABEL_RULE =
            "1 to 63 lower-case letters, digits or inner hyphens (a DNS label, e.g. web-1)";
    public static final String LABEL_RULE =
            "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    private Names() {
    }

    public static boolean isDnsLabel(String s) {
        return s != null && DNS_LABEL.matcher(s).matches();
    }

    public static boolean isToken(String s) {
        return s != null && TOKEN.matcher(s).matches();
    }

    public static boolean isLabel(String s) {
        return s != null && LABEL.matcher(s).matches();
    }
}
